"""Writes of the modeler: projects, folders, files, versions, comments, sharing, deploy.

Views call these, never the ORM directly. Every function here assumes the caller already checked the
user's permission on the project (views do, with `modeler.permissions`).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr

import nh3
from django.contrib.auth.models import AbstractBaseUser, Group, User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from guardian.shortcuts import assign_perm, get_perms, remove_perm

from bizdevops.xmlsafe import XmlProblem, parse_xml
from modeler.models import (
    Comment,
    Deployment,
    FileVersion,
    Folder,
    ModelFile,
    Notification,
    Project,
)

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN13_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
MODELER_NS = "http://camunda.org/schema/modeler/1.0"
EXECUTION_PLATFORM_VERSION = "8.8.0"

# Forms are JSON; a real form is a few KB, 2 MiB keeps a hostile upload cheap.
MAX_FORM_BYTES = 2 * 1024 * 1024
MAX_FORM_DEPTH = 40
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

OWNER_PERMISSIONS = ("view_project_files", "comment_project", "edit_project", "manage_project")
# Roles are sets of object permissions; the strongest role a user holds is the one shown.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "owner": OWNER_PERMISSIONS,
    "editor": ("view_project_files", "comment_project", "edit_project"),
    "commenter": ("view_project_files", "comment_project"),
    "viewer": ("view_project_files",),
}
ROLES = tuple(ROLE_PERMISSIONS)

EXTENSION_KINDS = {".bpmn": "bpmn", ".bpmn20.xml": "bpmn", ".dmn": "dmn", ".form": "form", ".json": "form"}
KIND_EXTENSIONS = {"bpmn": ".bpmn", "dmn": ".dmn", "form": ".form"}


@dataclass(frozen=True)
class FileRejected(Exception):
    """A file's content was refused; the message is safe to show and nothing was saved."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class FileConflict(Exception):
    """Someone saved the file since this editor loaded it."""

    current_revision: int

    def __str__(self) -> str:
        return _(
            "The file was changed by someone else (now revision %(revision)s). "
            "Reload to see their changes; your version is still in the editor."
        ) % {"revision": self.current_revision}


@dataclass(frozen=True)
class InvalidRequest(Exception):
    """A request that makes no sense (a folder of another project, a move into itself...)."""

    message: str

    def __str__(self) -> str:
        return self.message


# -- new file templates ------------------------------------------------------------------------------------


def new_bpmn_xml(*, process_id: str, name: str) -> str:
    """The XML of a new, empty Camunda 8 diagram: one start event, ready for the zeebe properties panel."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" \
xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" \
xmlns:modeler="{MODELER_NS}" id="Definitions_{process_id}" targetNamespace="http://bpmn.io/schema/bpmn" \
exporter="BizDevOps" exporterVersion="0.1.0" modeler:executionPlatform="Camunda Cloud" \
modeler:executionPlatformVersion="{EXECUTION_PLATFORM_VERSION}">
  <bpmn:process id="{process_id}" name={quoteattr(name)} isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{process_id}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def new_dmn_xml(*, decision_id: str, name: str) -> str:
    """A new DMN 1.3 model with one empty decision table, as Camunda 8 expects."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN13_NS}" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" \
xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" xmlns:modeler="{MODELER_NS}" \
id="Definitions_{decision_id}" name={quoteattr(name)} namespace="http://camunda.org/schema/1.0/dmn" \
exporter="BizDevOps" exporterVersion="0.1.0" modeler:executionPlatform="Camunda Cloud" \
modeler:executionPlatformVersion="{EXECUTION_PLATFORM_VERSION}">
  <decision id="{decision_id}" name={quoteattr(name)}>
    <decisionTable id="DecisionTable_{decision_id}">
      <input id="Input_1" label="Category">
        <inputExpression id="InputExpression_1" typeRef="string"><text>category</text></inputExpression>
      </input>
      <output id="Output_1" label="Result" name="result" typeRef="string" />
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_1">
      <dmndi:DMNShape id="DMNShape_1" dmnElementRef="{decision_id}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""


def new_form_json(*, form_id: str) -> str:
    """A new form-js schema with one text field."""
    schema = {
        "id": form_id,
        "type": "default",
        "schemaVersion": 18,
        "executionPlatform": "Camunda Cloud",
        "executionPlatformVersion": EXECUTION_PLATFORM_VERSION,
        "exporter": {"name": "BizDevOps", "version": "0.1.0"},
        "components": [
            {"id": "Field_1", "type": "textfield", "label": "Name", "key": "name"},
        ],
    }
    return json.dumps(schema, indent=2)


# -- content checks ----------------------------------------------------------------------------------------


def _parse(content: str) -> Any:
    try:
        return parse_xml(content)
    except XmlProblem as exc:
        raise FileRejected(str(exc)) from None


def check_bpmn(content: str) -> str:
    """Parse BPMN XML with the hardened parser; return the first process id or raise FileRejected."""
    root = _parse(content)
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise FileRejected(_("This is not a BPMN 2.0 file: the root element must be bpmn:definitions."))
    process = root.find(f"{{{BPMN_NS}}}process")
    return process.get("id", "") if process is not None else ""


def check_dmn(content: str) -> str:
    """Parse DMN XML (1.1 to 1.5) with the hardened parser; return the first decision id."""
    root = _parse(content)
    namespace, _sep, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if local != "definitions" or "/spec/DMN/" not in namespace:
        raise FileRejected(_("This is not a DMN file: the root element must be a DMN definitions element."))
    decision = root.find(f"{{{namespace}}}decision")
    return decision.get("id", "") if decision is not None else ""


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_FORM_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def check_form(content: str) -> str:
    """Check a form-js schema for sanity (JSON object, id, components list); return the form id."""
    if len(content.encode("utf-8")) > MAX_FORM_BYTES:
        raise FileRejected(
            _("The form is too large (the limit is %(limit)s bytes).") % {"limit": MAX_FORM_BYTES}
        )
    if not content.strip():
        raise FileRejected(_("The file is empty."))
    try:
        schema = json.loads(content)
    except ValueError as exc:
        raise FileRejected(_("The form is not valid JSON: %(error)s") % {"error": exc}) from None
    if not isinstance(schema, dict):
        raise FileRejected(_("A form must be a JSON object."))
    if _depth(schema) > MAX_FORM_DEPTH:
        raise FileRejected(_("The form is nested too deeply."))
    components = schema.get("components")
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise FileRejected(_("A form must have a 'components' list of objects."))
    form_id = schema.get("id")
    if not isinstance(form_id, str) or not form_id.strip():
        raise FileRejected(_("A form must have a non-empty string 'id'."))
    if schema.get("type", "default") != "default":
        raise FileRejected(_("The form's 'type' must be 'default'."))
    return form_id


CHECKS = {ModelFile.Kind.BPMN: check_bpmn, ModelFile.Kind.DMN: check_dmn, ModelFile.Kind.FORM: check_form}


def check_content(*, kind: str, content: str) -> str:
    """Validate content of a kind; return its identifier (process/decision/form id)."""
    return CHECKS[ModelFile.Kind(kind)](content)


# -- projects, sharing -------------------------------------------------------------------------------------


def get_or_create_personal_project(*, user: AbstractBaseUser) -> Project:
    """Every user has a personal project to start in."""
    project = Project.objects.filter(owner=user, name="Personal").first()
    if project is None:
        project = create_project(name="Personal", owner=user)
    return project


@transaction.atomic
def create_project(*, name: str, owner: AbstractBaseUser) -> Project:
    """Create a project; its owner gets every permission on it."""
    project = Project.objects.create(name=name.strip()[:200] or "Project", owner=owner)
    for codename in OWNER_PERMISSIONS:
        assign_perm(f"modeler.{codename}", owner, project)
    return project


@transaction.atomic
def rename_project(*, project: Project, name: str) -> Project:
    """Give a project a new name."""
    project.name = name.strip()[:200] or project.name
    project.save(update_fields=["name", "updated_at"])
    return project


@transaction.atomic
def delete_project(*, project: Project) -> None:
    """Delete a project with all its folders, files, versions and comments."""
    project.delete()


@transaction.atomic
def share_project(*, project: Project, grantee: User | Group, role: str) -> None:
    """Give a user or group exactly one role on the project (replacing what they had)."""
    if role not in ROLE_PERMISSIONS:
        raise InvalidRequest(_("Unknown role %(role)r.") % {"role": role})
    if isinstance(grantee, User) and grantee.pk == project.owner_id and role != "owner":
        raise InvalidRequest(_("The project's owner keeps the owner role."))
    for codename in OWNER_PERMISSIONS:
        remove_perm(f"modeler.{codename}", grantee, project)
    for codename in ROLE_PERMISSIONS[role]:
        assign_perm(f"modeler.{codename}", grantee, project)


@transaction.atomic
def unshare_project(*, project: Project, grantee: User | Group) -> None:
    """Take every permission on the project away from a user or group (never from the owner)."""
    if isinstance(grantee, User) and grantee.pk == project.owner_id:
        raise InvalidRequest(_("The project's owner cannot be removed."))
    for codename in OWNER_PERMISSIONS:
        remove_perm(f"modeler.{codename}", grantee, project)


def role_of(perms: list[str] | set[str]) -> str:
    """The strongest role a set of permission codenames amounts to ('' for none)."""
    for role, needed in ROLE_PERMISSIONS.items():
        if set(needed) <= set(perms):
            return role
    return ""


def direct_role(*, project: Project, grantee: User | Group) -> str:
    return role_of(get_perms(grantee, project))


# -- folders -----------------------------------------------------------------------------------------------


def _check_folder(project: Project, folder: Folder | None) -> None:
    if folder is not None and folder.project_id != project.pk:
        raise InvalidRequest(_("That folder belongs to another project."))


@transaction.atomic
def create_folder(*, project: Project, name: str, parent: Folder | None = None) -> Folder:
    """A new folder in the project (inside `parent` if given)."""
    _check_folder(project, parent)
    return Folder.objects.create(project=project, parent=parent, name=name.strip()[:200] or "Folder")


@transaction.atomic
def rename_folder(*, folder: Folder, name: str) -> Folder:
    folder.name = name.strip()[:200] or folder.name
    folder.save(update_fields=["name"])
    return folder


@transaction.atomic
def move_folder(*, folder: Folder, parent: Folder | None) -> Folder:
    """Move a folder under another folder of the same project (or to the top); never into itself."""
    _check_folder(folder.project, parent)
    ancestor = parent
    while ancestor is not None:
        if ancestor.pk == folder.pk:
            raise InvalidRequest(_("A folder cannot be moved into itself."))
        ancestor = ancestor.parent
    folder.parent = parent
    folder.save(update_fields=["parent"])
    return folder


@transaction.atomic
def delete_folder(*, folder: Folder) -> None:
    """Delete a folder with its subfolders and files."""
    folder.delete()


# -- files -------------------------------------------------------------------------------------------------


def _slug_id(name: str, prefix: str = "Process") -> str:
    base = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or prefix
    if not (base[0].isalpha() or base[0] == "_"):
        base = f"{prefix}_{base}"
    return f"{base[:40]}_{uuid.uuid4().hex[:7]}"


@transaction.atomic
def create_file(
    *, project: Project, name: str, kind: str, user: AbstractBaseUser, folder: Folder | None = None
) -> ModelFile:
    """A new BPMN diagram, DMN model or form from its Camunda 8 template."""
    _check_folder(project, folder)
    kind = ModelFile.Kind(kind)
    name = name.strip()[:200] or {"bpmn": "New diagram", "dmn": "New decision", "form": "New form"}[kind]
    if kind == ModelFile.Kind.BPMN:
        element_id = _slug_id(name, "Process")
        content = new_bpmn_xml(process_id=element_id, name=name)
    elif kind == ModelFile.Kind.DMN:
        element_id = _slug_id(name, "Decision")
        content = new_dmn_xml(decision_id=element_id, name=name)
    else:
        element_id = _slug_id(name, "Form")
        content = new_form_json(form_id=element_id)
    return ModelFile.objects.create(
        project=project,
        folder=folder,
        name=name,
        kind=kind,
        content=content,
        element_id=element_id,
        created_by=user,
        updated_by=user,
    )


def create_bpmn_file(*, project: Project, name: str, user: AbstractBaseUser) -> ModelFile:
    """A new diagram from the Camunda 8 template."""
    return create_file(project=project, name=name, kind=ModelFile.Kind.BPMN, user=user)


def kind_for_filename(filename: str) -> str:
    lowered = filename.lower()
    for extension, kind in EXTENSION_KINDS.items():
        if lowered.endswith(extension):
            return kind
    raise FileRejected(_("Upload .bpmn, .dmn or .form files."))


@transaction.atomic
def upload_file(
    *, project: Project, filename: str, data: bytes, user: AbstractBaseUser, folder: Folder | None = None
) -> ModelFile:
    """Store a file made elsewhere (Camunda Modeler) exactly as uploaded, after checking it."""
    _check_folder(project, folder)
    kind = kind_for_filename(filename)
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileRejected(
            _("The file is too large (%(size)s bytes; the limit is %(limit)s).")
            % {"size": len(data), "limit": MAX_UPLOAD_BYTES}
        )
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected(_("The file is not UTF-8 text.")) from None
    element_id = check_content(kind=kind, content=content)
    stem = filename.rsplit("/", 1)[-1]
    for extension in EXTENSION_KINDS:
        if stem.lower().endswith(extension):
            stem = stem[: -len(extension)]
            break
    return ModelFile.objects.create(
        project=project,
        folder=folder,
        name=stem.strip()[:200] or filename[:200],
        kind=kind,
        content=content,
        element_id=element_id,
        created_by=user,
        updated_by=user,
    )


@transaction.atomic
def rename_file(*, model_file: ModelFile, name: str, user: AbstractBaseUser) -> ModelFile:
    model_file.name = name.strip()[:200] or model_file.name
    model_file.updated_by = user
    model_file.save(update_fields=["name", "updated_by", "updated_at"])
    return model_file


@transaction.atomic
def move_file(*, model_file: ModelFile, folder: Folder | None, user: AbstractBaseUser) -> ModelFile:
    """Move a file to another folder of its project (None = the project's top level)."""
    _check_folder(model_file.project, folder)
    model_file.folder = folder
    model_file.updated_by = user
    model_file.save(update_fields=["folder", "updated_by", "updated_at"])
    return model_file


def _with_new_id(model_file: ModelFile) -> tuple[str, str]:
    """The content of a copy with a fresh process or form id, so both can be deployed side by side.
    DMN copies keep their decision ids: BPMN files call decisions by id, and a renamed one would break them."""
    old_id = model_file.element_id
    if not old_id or model_file.kind == ModelFile.Kind.DMN:
        return model_file.content, old_id
    new_id = _slug_id(f"{old_id.rsplit('_', 1)[0]}_copy", "Copy")
    if model_file.kind == ModelFile.Kind.FORM:
        schema = json.loads(model_file.content)
        schema["id"] = new_id
        return json.dumps(schema, indent=2, ensure_ascii=False), new_id
    # Ids are XML names (no quotes inside), so the quoted id is only ever the id or a reference to it.
    return model_file.content.replace(f'"{old_id}"', f'"{new_id}"'), new_id


@transaction.atomic
def duplicate_file(*, model_file: ModelFile, user: AbstractBaseUser) -> ModelFile:
    """A copy next to the original, with its own process or form id."""
    content, element_id = _with_new_id(model_file)
    check_content(kind=model_file.kind, content=content)
    return ModelFile.objects.create(
        project=model_file.project,
        folder=model_file.folder,
        name=f"{model_file.name} (copy)"[:200],
        kind=model_file.kind,
        content=content,
        element_id=element_id,
        created_by=user,
        updated_by=user,
    )


@transaction.atomic
def delete_file(*, model_file: ModelFile) -> None:
    model_file.delete()


@transaction.atomic
def save_file_content(
    *, model_file: ModelFile, content: str, user: AbstractBaseUser, base_revision: int | None = None
) -> ModelFile:
    """Store new content after parsing it; a refused file or a stale revision changes nothing."""
    element_id = check_content(kind=model_file.kind, content=content)
    locked = ModelFile.objects.select_for_update().get(pk=model_file.pk)
    if base_revision is not None and base_revision != locked.revision:
        raise FileConflict(locked.revision)
    locked.content = content
    locked.element_id = element_id
    locked.revision += 1
    locked.updated_by = user
    locked.save(update_fields=["content", "element_id", "revision", "updated_by", "updated_at"])
    return locked


# -- versions ----------------------------------------------------------------------------------------------


@transaction.atomic
def create_version(*, model_file: ModelFile, name: str, user: AbstractBaseUser) -> FileVersion:
    """Freeze the file's current content as a named milestone."""
    current = ModelFile.objects.select_for_update().get(pk=model_file.pk)
    return FileVersion.objects.create(
        file=current,
        name=name.strip()[:200] or f"Revision {current.revision}",
        content=current.content,
        revision=current.revision,
        created_by=user,
    )


@transaction.atomic
def restore_version(*, version: FileVersion, user: AbstractBaseUser) -> ModelFile:
    """Make a milestone's content current again, as a new revision: nothing in between is lost."""
    current = ModelFile.objects.select_for_update().get(pk=version.file_id)
    # Keep the state being replaced as its own milestone, so the restore can itself be undone.
    FileVersion.objects.create(
        file=current,
        name=f"Before restoring “{version.name}”"[:200],
        content=current.content,
        revision=current.revision,
        created_by=user,
    )
    return save_file_content(model_file=current, content=version.content, user=user)


# -- comments ----------------------------------------------------------------------------------------------

COMMENT_TAGS = {"b", "strong", "i", "em", "code", "pre", "p", "br", "ul", "ol", "li", "a", "blockquote"}
MENTION = re.compile(r"(?<![\w.])@([\w.@+-]{1,150})")
MAX_COMMENT_CHARS = 10_000


def sanitize_comment(text: str) -> str:
    """Comment text to safe HTML: plain text is escaped, a few formatting tags survive, no script can run."""
    text = text.strip()[:MAX_COMMENT_CHARS]
    html = nh3.clean(
        text,
        tags=COMMENT_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # Line breaks of plain text stay visible.
    return html.replace("\n", "<br>")


def _mentioned_users(text: str, project: Project) -> list[User]:
    names = {m.rstrip(".") for m in MENTION.findall(text)}
    if not names:
        return []
    users = User.objects.filter(username__in=names, is_active=True)
    # Only people who can read the project are told about it; others would get a dead link.
    return [u for u in users if u.has_perm("modeler.view_project_files", project)]


@transaction.atomic
def add_comment(
    *,
    model_file: ModelFile,
    author: AbstractBaseUser,
    text: str,
    element_id: str = "",
    parent: Comment | None = None,
) -> Comment:
    """A new thread (on the diagram or an element) or a reply; @mentions notify the mentioned users."""
    if not text.strip():
        raise InvalidRequest(_("A comment needs some text."))
    if parent is not None:
        if parent.file_id != model_file.pk:
            raise InvalidRequest(_("That thread belongs to another file."))
        if parent.parent_id is not None:
            parent = parent.parent
        element_id = parent.element_id if parent else element_id
    comment = Comment.objects.create(
        file=model_file,
        element_id=element_id[:255],
        parent=parent,
        body_html=sanitize_comment(text),
        author=author,
    )
    for user in _mentioned_users(text, model_file.project):
        if user.pk != author.pk:
            Notification.objects.create(user=user, comment=comment)
    return comment


@transaction.atomic
def set_comment_resolved(*, comment: Comment, resolved: bool, user: AbstractBaseUser) -> Comment:
    """Resolve or reopen a thread (replies follow their thread)."""
    root = comment.parent or comment
    root.resolved = resolved
    root.resolved_by = user if resolved else None
    root.save(update_fields=["resolved", "resolved_by"])
    return root


@transaction.atomic
def mark_notifications_read(*, user: AbstractBaseUser, model_file: ModelFile | None = None) -> int:
    qs = Notification.objects.filter(user=user, read=False)
    if model_file is not None:
        qs = qs.filter(comment__file=model_file)
    return qs.update(read=True)


# -- deploy ------------------------------------------------------------------------------------------------


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class EngineUnavailable(Exception):
    """The engine's Django services are not installed in this build."""

    message: str = gettext_noop("The engine is not available yet: deployment is not possible.")

    def __str__(self) -> str:
        return _(self.message)


@dataclass(frozen=True)
class DeployRefused(Exception):
    """Validation found errors; nothing was deployed."""

    problems: tuple[dict[str, str], ...]

    def __str__(self) -> str:
        return _("Deployment refused: fix the problems first.")


def deploy_files(*, files: list[ModelFile], user: AbstractBaseUser) -> dict[str, Any]:
    """Deploy files to the engine in one deployment, after validating them; record what was deployed."""
    from modeler.selectors import deployment_problems

    problems = [p for f in files for p in deployment_problems(model_file=f) if p["severity"] == "error"]
    if problems:
        raise DeployRefused(tuple(problems))
    try:
        from bizdevops.engine import services as engine_services
        from bizdevops.engine.core.errors import EngineError
        from bizdevops.engine.core.parser.validate import DeploymentRejected
    except ImportError:
        raise EngineUnavailable() from None
    resources = [(f"{f.name}{KIND_EXTENSIONS[f.kind]}", f.content.encode("utf-8")) for f in files]
    # The engine opens its own transaction; ours only records what went out once it is committed.
    try:
        result = engine_services.deploy_resources(resources=resources, user=user)
    except DeploymentRejected as exc:
        raise DeployRefused(
            tuple(
                {"elementId": p.element_id, "message": p.message, "severity": "error", "file": ""}
                for p in exc.problems
            )
        ) from None
    except EngineError as exc:
        raise DeployRefused(
            ({"elementId": "", "message": str(exc), "severity": "error", "file": ""},)
        ) from None
    key = str(getattr(result, "key", "") or "")
    with transaction.atomic():
        for model_file in files:
            Deployment.objects.create(
                file=model_file,
                content_hash=content_hash(model_file.content),
                engine_key=key,
                deployed_by=user,
            )
    return {"key": key, "result": result}
