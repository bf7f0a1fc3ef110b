"""Reads of engine state for the REST API, Tasklist, Operate and Optimize. Plain Django querysets (ordered by
key unless said otherwise) so callers can filter, paginate and permission-check them; nothing here writes.

Element instances come from the append-only history: `list_element_instances` folds the lifecycle rows of
each element instance into one row (first/last timestamp, last state)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from bizdevops.engine.core.model.elements import FormDefinition as FormLink
from bizdevops.engine.core.records import HistoryRecord
from bizdevops.engine.state import models as m
from bizdevops.engine.state.store import history_records, to_datetime

# -- definitions ----------------------------------------------------------------------------------------


def list_process_definitions() -> QuerySet[m.ProcessDefinition]:
    """Every deployed process version (resource bytes deferred: load them with get_process_definition)."""
    return m.ProcessDefinition.objects.defer("resource").order_by("key")


def list_latest_process_definitions() -> QuerySet[m.ProcessDefinition]:
    """The newest version of each process id."""
    newer = m.ProcessDefinition.objects.filter(
        tenant_id=OuterRef("tenant_id"),
        bpmn_process_id=OuterRef("bpmn_process_id"),
        version__gt=OuterRef("version"),
    )
    return list_process_definitions().filter(~Exists(newer))


def get_process_definition(*, key: int) -> m.ProcessDefinition | None:
    return m.ProcessDefinition.objects.filter(key=key).first()


def get_latest_process_definition(
    *, bpmn_process_id: str, tenant_id: str | None = None
) -> m.ProcessDefinition | None:
    rows = m.ProcessDefinition.objects.filter(bpmn_process_id=bpmn_process_id)
    if tenant_id is not None:
        rows = rows.filter(tenant_id=tenant_id)
    return rows.order_by("-version").first()


def list_decision_definitions() -> QuerySet[m.DecisionDefinition]:
    return (
        m.DecisionDefinition.objects.select_related("requirements")
        .defer("requirements__resource")
        .order_by("key")
    )


def list_decision_requirements() -> QuerySet[m.DecisionRequirements]:
    return m.DecisionRequirements.objects.defer("resource").order_by("key")


def get_decision_definition(*, key: int) -> m.DecisionDefinition | None:
    return m.DecisionDefinition.objects.select_related("requirements").filter(key=key).first()


def list_form_definitions() -> QuerySet[m.FormDefinition]:
    return m.FormDefinition.objects.order_by("key")


def get_form_definition(*, key: int | None = None, form_id: str | None = None) -> m.FormDefinition | None:
    """By key, or the latest version of a form id (how a user task's `formId` is resolved)."""
    if key is not None:
        return m.FormDefinition.objects.filter(key=key).first()
    if form_id is not None:
        return m.FormDefinition.objects.filter(form_id=form_id).order_by("-version").first()
    return None


# -- start forms ----------------------------------------------------------------------------------------


def get_start_form_link(*, process_definition_key: int) -> FormLink | None:
    """The zeebe:formDefinition of the process's none start event (None when it has none), from the engine's
    parsed model, cached by (immutable) definition key."""
    from bizdevops.engine.services import get_engine

    try:
        _, model = get_engine().definition(process_definition_key)
    except Exception:  # an unknown or unparsable definition simply has no start form
        return None
    if model.start_event is None:
        return None
    link: FormLink | None = getattr(model.elements.get(model.start_event), "form", None)
    return link


def has_start_form(*, process_definition_key: int) -> bool:
    """Whether the start event names a form (linked by formId or embedded by formKey): Camunda's
    `hasStartForm`."""
    link = get_start_form_link(process_definition_key=process_definition_key)
    return link is not None and bool(link.form_id or link.form_key)


def get_start_form(*, definition: m.ProcessDefinition) -> m.FormDefinition | None:
    """The deployed form the start event links to by formId, resolved per its bindingType: the latest version
    (`latest`, the default), the one deployed with the process (`deployment`) or the one with the version tag
    (`versionTag`). None without a link, for embedded or external forms and for unresolvable links."""
    link = get_start_form_link(process_definition_key=definition.key)
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


def list_deployments() -> QuerySet[m.Deployment]:
    return m.Deployment.objects.order_by("key")


# -- instances ------------------------------------------------------------------------------------------


def list_process_instances() -> QuerySet[m.ProcessInstance]:
    """Instances without their state document (deferred; Operate lists many)."""
    return m.ProcessInstance.objects.defer("state").order_by("key")


def get_process_instance(*, key: int) -> m.ProcessInstance | None:
    return m.ProcessInstance.objects.filter(key=key).first()


@dataclass(frozen=True, slots=True)
class ElementInstance:
    """One element instance as folded from history."""

    key: int
    process_instance_key: int
    process_definition_key: int | None
    bpmn_process_id: str
    element_id: str
    element_type: str
    flow_scope_key: int | None
    state: str  # ACTIVE, COMPLETED, TERMINATED
    start_date: dt.datetime
    end_date: dt.datetime | None
    incident_key: int | None = None


_END_INTENTS = {"ELEMENT_COMPLETED": "COMPLETED", "ELEMENT_TERMINATED": "TERMINATED"}


def list_history_records(
    *, process_instance_key: int | None = None, process_definition_key: int | None = None
) -> list[HistoryRecord]:
    """Every transition (the core's HistoryRecord: element id/type, key, intent, epoch-ms timestamp, flow
    scope, value type, data) in the order they happened, optionally of one instance or one definition."""
    rows = m.History.objects.order_by("id")
    if process_instance_key is not None:
        rows = rows.filter(process_instance_key=process_instance_key)
    if process_definition_key is not None:
        rows = rows.filter(process_definition_key=process_definition_key)
    return [record for row in rows.iterator(chunk_size=500) for record in history_records(row)]


def list_user_task_history(*, user_task_key: int) -> list[HistoryRecord]:
    """What happened to one user task (created, assigned, updated, completed, canceled), oldest first."""
    task = m.UserTask.objects.filter(key=user_task_key).values_list("process_instance_key", flat=True).first()
    if task is None:
        return []
    return [
        r
        for r in list_history_records(process_instance_key=task)
        if r.value_type == "USER_TASK" and (r.data or {}).get("userTaskKey") == user_task_key
    ]


def list_element_instances(
    *, process_instance_key: int | None = None, element_id: str | None = None
) -> list[ElementInstance]:
    """Element instances of one instance (or of one element across instances), in activation order."""
    folded: dict[int, dict[str, Any]] = {}
    for r in list_history_records(process_instance_key=process_instance_key):
        if r.value_type != "PROCESS_INSTANCE" or r.intent in ("SEQUENCE_FLOW_TAKEN", "SEQUENCE_FLOW_DELETED"):
            continue
        moment = to_datetime(r.timestamp)
        item = folded.get(r.element_instance_key)
        if r.intent == "ELEMENT_MIGRATED":
            if item is not None:  # a migrated instance: its element id and definition are the target's now
                item["record"] = r
            continue
        if item is None:
            item = folded[r.element_instance_key] = {
                "record": r,
                "start": moment,
                "end": None,
                "state": "ACTIVE",
            }
        ended = _END_INTENTS.get(r.intent)
        if ended:
            item["state"] = ended
            item["end"] = moment
    open_incidents = (
        dict(
            m.Incident.objects.filter(
                state=m.IncidentState.ACTIVE, element_instance_key__in=list(folded)
            ).values_list("element_instance_key", "key")
        )
        if folded
        else {}
    )
    result = []
    for key, item in folded.items():
        r = item["record"]
        if element_id is not None and r.element_id != element_id:
            continue
        result.append(
            ElementInstance(
                key=key,
                process_instance_key=r.process_instance_key,
                process_definition_key=r.process_definition_key or None,
                bpmn_process_id=r.bpmn_process_id,
                element_id=r.element_id,
                element_type=r.element_type,
                flow_scope_key=r.flow_scope_key,
                state=item["state"],
                start_date=item["start"],
                end_date=item["end"],
                incident_key=open_incidents.get(key),
            )
        )
    return result


def list_history(*, process_instance_key: int | None = None) -> QuerySet[m.History]:
    """The raw append-only rows (one per command and instance; `records` holds the transitions)."""
    rows = m.History.objects.order_by("id")
    if process_instance_key is not None:
        rows = rows.filter(process_instance_key=process_instance_key)
    return rows


def list_element_statistics(*, process_definition_key: int) -> dict[str, dict[str, int]]:
    """Per element id of one definition: how many element instances are active / completed / terminated
    (the numbers Operate draws on the diagram). An element instance migrated to this definition counts
    here from its ELEMENT_MIGRATED record on; one migrated away no longer counts as active here."""
    counts: dict[str, dict[str, int]] = {}
    open_here: dict[int, tuple[str, int]] = {}  # element instance key -> (element id, process instance key)
    for r in list_history_records(process_definition_key=process_definition_key):
        if r.value_type != "PROCESS_INSTANCE":
            continue
        entry = counts.setdefault(r.element_id, {"active": 0, "completed": 0, "terminated": 0})
        if r.intent in ("ELEMENT_ACTIVATED", "ELEMENT_MIGRATED"):
            open_here[r.element_instance_key] = (r.element_id, r.process_instance_key)
        elif r.intent == "ELEMENT_COMPLETED":
            open_here.pop(r.element_instance_key, None)
            entry["completed"] += 1
        elif r.intent == "ELEMENT_TERMINATED":
            open_here.pop(r.element_instance_key, None)
            entry["terminated"] += 1
    if open_here:
        # still open here, unless its instance was migrated to another definition since
        moved = set(
            m.ProcessInstance.objects.filter(key__in={pi for _, pi in open_here.values()})
            .exclude(process_definition_id=process_definition_key)
            .values_list("key", flat=True)
        )
        for element_id, instance_key in open_here.values():
            if instance_key not in moved:
                counts[element_id]["active"] += 1
    return counts


# -- variables, jobs, user tasks, incidents ---------------------------------------------------------------


def list_variables(
    *, process_instance_key: int | None = None, scope_key: int | None = None
) -> QuerySet[m.Variable]:
    rows = m.Variable.objects.order_by("scope_key", "name")
    if process_instance_key is not None:
        rows = rows.filter(process_instance_key=process_instance_key)
    if scope_key is not None:
        rows = rows.filter(scope_key=scope_key)
    return rows


def get_instance_variables(*, process_instance_key: int) -> dict[str, Any]:
    """The instance's root-scope variables (scope key == instance key), as a dict."""
    return dict(m.Variable.objects.filter(scope_key=process_instance_key).values_list("name", "value"))


def list_jobs() -> QuerySet[m.Job]:
    return m.Job.objects.order_by("key")


def get_job(*, key: int) -> m.Job | None:
    return m.Job.objects.filter(key=key).first()


def list_user_tasks() -> QuerySet[m.UserTask]:
    return m.UserTask.objects.order_by("key")


def get_user_task(*, key: int) -> m.UserTask | None:
    return m.UserTask.objects.filter(key=key).first()


def list_user_tasks_for(
    *, username: str, groups: Iterable[str] = (), include_unassigned_candidates: bool = True
) -> QuerySet[m.UserTask]:
    """Open tasks a user may see in Tasklist: assigned to them, or offered to them or one of their groups
    (indexed candidate rows, portable to SQLite), newest first."""
    group_names = list(groups)
    condition = Q(assignee=username)
    if include_unassigned_candidates:
        offered = m.UserTaskCandidate.objects.filter(user_task_id=OuterRef("key")).filter(
            Q(kind=m.UserTaskCandidate.KIND_USER, name=username)
            | Q(kind=m.UserTaskCandidate.KIND_GROUP, name__in=group_names)
        )
        condition |= Exists(offered)
    return (
        m.UserTask.objects.filter(state=m.UserTaskState.CREATED)
        .filter(condition)
        .order_by(F("priority").desc(), "-creation_date", "-key")
    )


def list_incidents() -> QuerySet[m.Incident]:
    return m.Incident.objects.order_by("key")


def get_incident(*, key: int) -> m.Incident | None:
    return m.Incident.objects.filter(key=key).first()


def list_message_subscriptions() -> QuerySet[m.MessageSubscription]:
    return m.MessageSubscription.objects.order_by("key")


def list_timers() -> QuerySet[m.Timer]:
    return m.Timer.objects.order_by("due_at", "key")


# -- the sweeper's view ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueWork:
    timers: int
    outbox: int
    job_types: list[str]


def get_due_work(
    *, job_types: Iterable[str] = (), now: dt.datetime | None = None, outbox_grace_seconds: float = 2.0
) -> DueWork:
    """What the beat sweeper must (re)enqueue: due timers, outbox rows older than the grace period (their
    on-commit wake-up was lost), built-in job types with an activatable job (new, lock expired, back-off
    over). Three small indexed queries."""
    moment = now or dt.datetime.now(dt.UTC)
    timers = m.Timer.objects.filter(due_at__lte=moment).count()
    outbox = m.OutboxCommand.objects.filter(
        created_at__lte=moment - dt.timedelta(seconds=outbox_grace_seconds)
    ).count()
    types = list(job_types)
    due_types: list[str] = []
    if types:
        due_types = sorted(
            set(
                m.Job.objects.filter(type__in=types)
                .filter(
                    Q(state=m.JobState.ACTIVATABLE, retry_at__isnull=True)
                    | Q(state=m.JobState.ACTIVATABLE, retry_at__lte=moment)
                    | Q(state=m.JobState.ACTIVATED, deadline__lte=moment)
                )
                .values_list("type", flat=True)
                .distinct()
            )
        )
    return DueWork(timers=timers, outbox=outbox, job_types=due_types)
