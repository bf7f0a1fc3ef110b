"""Start forms: the form linked to a process's none start event.

Camunda Modeler writes `<zeebe:formDefinition formId="..." bindingType="..."/>` (or `formKey` for an embedded
form, `externalReference` for a form hosted elsewhere) on the start event. A linked form resolves by its id as
Camunda resolves it: to the latest deployed version (bindingType `latest`, the default), to the version deployed
together with the process (`deployment`) or to the version carrying the given version tag (`versionTag`).
"""

from __future__ import annotations

import logging

from bizdevops.api import engine_gateway as gateway
from bizdevops.engine.core.model.elements import FormDefinition as FormLink
from bizdevops.engine.state import models as m

logger = logging.getLogger(__name__)


def start_form_link(definition_key: int) -> FormLink | None:
    """The zeebe:formDefinition of the process's none start event, None when it has none. Uses the engine's
    parsed model, cached by (immutable) definition key."""
    try:
        _, model = gateway.services().get_engine().definition(definition_key)
    except Exception:  # unparsable or vanished definitions simply have no start form
        logger.debug("no model for process definition %s", definition_key, exc_info=True)
        return None
    if model.start_event is None:
        return None
    link: FormLink | None = getattr(model.elements.get(model.start_event), "form", None)
    return link


def has_start_form(definition_key: int) -> bool:
    """Whether the start event names a form (linked by formId, or embedded by formKey): the `hasStartForm` of
    Camunda's process definition results."""
    link = start_form_link(definition_key)
    return link is not None and bool(link.form_id or link.form_key)


def resolve_start_form(definition: m.ProcessDefinition) -> m.FormDefinition | None:
    """The deployed form the start event links to, per its binding type; None for no link, embedded or
    external forms (Camunda's getStartProcessForm returns linked forms only) and unresolvable links."""
    link = start_form_link(definition.key)
    if link is None or not link.form_id:
        return None
    forms = m.FormDefinition.objects.filter(form_id=link.form_id, tenant_id=definition.tenant_id)
    if link.binding_type == "deployment":
        forms = forms.filter(deployment_id=definition.deployment_id)
    elif link.binding_type == "versionTag":
        if not link.version_tag:
            return None
        forms = forms.filter(schema__versionTag=link.version_tag)
    return forms.order_by("-version").first()
