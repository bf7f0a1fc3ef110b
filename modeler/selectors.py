"""Reads of the modeler, always filtered by what the user may see."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, Group, User
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from guardian.shortcuts import get_groups_with_perms, get_objects_for_user, get_users_with_perms
from lxml import etree

from bizdevops.xmlsafe import XmlProblem, parse_xml
from modeler.models import Comment, Deployment, FileVersion, Folder, ModelFile, Notification, Project
from modeler.services import BPMN_NS, ROLE_PERMISSIONS, content_hash, role_of


def list_projects(*, user: AbstractBaseUser) -> QuerySet[Project]:
    """Projects the user may read (directly or through a group)."""
    return get_objects_for_user(user, "modeler.view_project_files", klass=Project, accept_global_perms=False)


def get_project(*, user: AbstractBaseUser, pk: int) -> Project | None:
    return list_projects(user=user).filter(pk=pk).first()


def list_files(*, user: AbstractBaseUser) -> QuerySet[ModelFile]:
    """Files of every project the user may read, newest first."""
    return ModelFile.objects.filter(project__in=list_projects(user=user)).select_related(
        "project", "updated_by", "folder"
    )


def get_file(*, user: AbstractBaseUser, pk: int) -> ModelFile | None:
    """The file if it exists and the user may read it, else None (callers answer 404 either way)."""
    return list_files(user=user).filter(pk=pk).first()


def has_project_perm(*, user: AbstractBaseUser, project: Project, codename: str) -> bool:
    return bool(user.has_perm(f"modeler.{codename}", project))


def can_edit(*, user: AbstractBaseUser, model_file: ModelFile) -> bool:
    return has_project_perm(user=user, project=model_file.project, codename="edit_project")


def user_role(*, user: AbstractBaseUser, project: Project) -> str:
    """The strongest role the user holds on the project, groups included."""
    perms = {c for c in ROLE_PERMISSIONS["owner"] if user.has_perm(f"modeler.{c}", project)}
    return role_of(perms)


def list_folder_files(*, project: Project, folder: Folder | None) -> QuerySet[ModelFile]:
    return project.files.filter(folder=folder).select_related("updated_by").order_by("name", "pk")


def list_subfolders(*, project: Project, folder: Folder | None) -> QuerySet[Folder]:
    return project.folders.filter(parent=folder)


def folder_path(folder: Folder | None) -> list[Folder]:
    """Ancestors of a folder, outermost first, ending with the folder itself."""
    path: list[Folder] = []
    while folder is not None:
        path.append(folder)
        folder = folder.parent
    return list(reversed(path))


def folder_choices(*, project: Project) -> list[tuple[int | None, str]]:
    """Every folder of the project as (pk, "A / B / C"), for move pickers."""
    folders = list(project.folders.all())
    by_pk = {f.pk: f for f in folders}

    def label(folder: Folder) -> str:
        parts = []
        current: Folder | None = folder
        while current is not None:
            parts.append(current.name)
            current = by_pk.get(current.parent_id) if current.parent_id else None
        return " / ".join(reversed(parts))

    return [(None, "/")] + sorted(((f.pk, label(f)) for f in folders), key=lambda item: item[1])


def list_shares(*, project: Project) -> dict[str, list[tuple[Any, str]]]:
    """Who holds which role on the project: users and groups with their direct role."""
    users = get_users_with_perms(project, attach_perms=True, with_group_users=False)
    groups = get_groups_with_perms(project, attach_perms=True)
    return {
        "users": sorted(((u, role_of(p)) for u, p in users.items()), key=lambda x: x[0].username),
        "groups": sorted(((g, role_of(p)) for g, p in groups.items()), key=lambda x: x[0].name),
    }


def find_grantee(*, kind: str, name: str) -> User | Group | None:
    if kind == "group":
        return Group.objects.filter(name=name).first()
    return User.objects.filter(username=name, is_active=True).first()


def list_linkable(*, project: Project) -> list[dict[str, Any]]:
    """Forms, decisions and processes of the project: what user, business rule and call activity tasks link to."""
    items: list[dict[str, Any]] = []
    for f in project.files.order_by("kind", "name"):
        if f.kind == ModelFile.Kind.BPMN:
            if f.element_id:
                items.append({"kind": "process", "id": f.element_id, "name": f.name, "file": f.pk})
        elif f.kind == ModelFile.Kind.FORM:
            items.append({"kind": "form", "id": f.element_id, "name": f.name, "file": f.pk})
        else:
            for decision_id, name in _dmn_decisions(f.content):
                items.append(
                    {"kind": "decision", "id": decision_id, "name": f"{f.name}: {name}", "file": f.pk}
                )
    return items


def _dmn_decisions(content: str) -> list[tuple[str, str]]:
    try:
        root = parse_xml(content)
    except XmlProblem:
        return []
    namespace = root.tag[1:].partition("}")[0]
    return [
        (d.get("id", ""), d.get("name") or d.get("id", "")) for d in root.iter(f"{{{namespace}}}decision")
    ]


# -- versions ----------------------------------------------------------------------------------------------


def list_versions(*, model_file: ModelFile) -> QuerySet[FileVersion]:
    return model_file.versions.select_related("created_by")


def _element_ids(content: str) -> set[str]:
    try:
        root = parse_xml(content)
    except XmlProblem:
        return set()
    return {el.get("id", "") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}


_SKIP_CHILDREN = {"incoming", "outgoing"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _prefixed(tag: str) -> str:
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    prefix = {
        BPMN_NS: "",
        "http://camunda.org/schema/zeebe/1.0": "zeebe:",
        "http://camunda.org/schema/modeler/1.0": "modeler:",
    }.get(namespace, "")
    return prefix + local


def _flatten(el: etree._Element, prefix: str, out: dict[str, str], ns: str = BPMN_NS) -> None:
    """Properties of an element as flat 'path' → value pairs: attributes, text, nested extension elements."""
    for name, value in el.attrib.items():
        if prefix == "" and name == "id":
            continue
        out[f"{prefix}{_prefixed(name) if name.startswith('{') else name}"] = value
    text = (el.text or "").strip()
    if text:
        out[f"{prefix}#text" if prefix else "#text"] = text
    counts: dict[str, int] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        local = _local(child.tag)
        # Child flow elements are elements of their own; incoming/outgoing follow from the flows.
        if (child.tag.startswith(f"{{{ns}}}") and child.get("id") and local != "extensionElements") or (
            local in _SKIP_CHILDREN
        ):
            continue
        name = _prefixed(child.tag)
        if local == "extensionElements":
            _flatten(child, prefix, out, ns)
            continue
        index = counts.get(name, 0)
        counts[name] = index + 1
        _flatten(child, f"{prefix}{name}[{index}].", out, ns)


Properties = dict[str, tuple[str, dict[str, str]]]


def _semantic_properties(content: str) -> Properties:
    """Element id → (type, flat properties) for every semantic BPMN (or DMN) element of a file."""
    try:
        root = parse_xml(content)
    except XmlProblem:
        return {}
    # The model namespace is the root's (BPMN, or DMN of any version); DI elements live in another one.
    ns = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else BPMN_NS
    result: Properties = {}
    for el in root.iter(f"{{{ns}}}*"):
        element_id = el.get("id")
        if not element_id or _local(el.tag) in {"definitions"}:
            continue
        props: dict[str, str] = {}
        _flatten(el, "", props, ns)
        result[element_id] = (_local(el.tag), props)
    return result


def _form_properties(content: str) -> Properties:
    """Component id → (type, flat properties) of a form-js schema; the form itself is the element 'form'."""
    try:
        schema = json.loads(content)
    except ValueError:
        return {}
    if not isinstance(schema, dict):
        return {}
    result: Properties = {}

    def flat(value: dict[str, Any]) -> dict[str, str]:
        return {
            key: item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, sort_keys=True)
            for key, item in value.items()
            if key not in ("id", "components")
        }

    def walk(components: Any) -> None:
        for component in components if isinstance(components, list) else []:
            if isinstance(component, dict):
                result[str(component.get("id") or component.get("key"))] = (
                    str(component.get("type", "")),
                    flat(component),
                )
                walk(component.get("components"))

    result["form"] = ("form", flat(schema))
    walk(schema.get("components"))
    return result


def property_changes(*, old: str, new: str, kind: str = "bpmn") -> dict[str, Any]:
    """Changed properties per element between two contents, zeebe extension elements included."""
    read = _form_properties if kind == ModelFile.Kind.FORM else _semantic_properties
    before = read(old)
    after = read(new)
    changed: dict[str, Any] = {}
    for element_id in sorted(before.keys() & after.keys()):
        (old_type, old_props), (new_type, new_props) = before[element_id], after[element_id]
        rows = []
        if old_type != new_type:
            rows.append({"property": "type", "old": old_type, "new": new_type})
        for key in sorted(old_props.keys() | new_props.keys()):
            if old_props.get(key) != new_props.get(key):
                rows.append({"property": key, "old": old_props.get(key), "new": new_props.get(key)})
        if rows:
            changed[element_id] = {"type": new_type, "name": new_props.get("name", ""), "changes": rows}
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "changed": changed,
    }


# -- comments ----------------------------------------------------------------------------------------------


def list_comment_threads(*, model_file: ModelFile) -> list[dict[str, Any]]:
    """Threads of a file with replies; a thread on an element no longer in the diagram is 'detached'."""
    ids = _element_ids(model_file.content)
    comments = list(model_file.comments.select_related("author", "resolved_by"))
    replies: dict[int, list[Comment]] = {}
    for c in comments:
        if c.parent_id:
            replies.setdefault(c.parent_id, []).append(c)

    def row(c: Comment) -> dict[str, Any]:
        return {
            "id": c.pk,
            "author": c.author.get_full_name() or c.author.username,
            "username": c.author.username,
            "html": c.body_html,
            "createdAt": c.created_at.isoformat(),
        }

    return [
        {
            **row(c),
            "elementId": c.element_id,
            "detached": bool(c.element_id) and c.element_id not in ids,
            "resolved": c.resolved,
            "replies": [row(r) for r in replies.get(c.pk, [])],
        }
        for c in comments
        if c.parent_id is None
    ]


def unread_notification_count(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(user=user, read=False).count()


def list_notifications(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("comment__file", "comment__author")[:50]


# -- deploy ------------------------------------------------------------------------------------------------


def deployment_problems(*, model_file: ModelFile) -> list[dict[str, str]]:
    """The engine's deploy validation of a file: problems with element id, message and severity."""
    if model_file.kind == ModelFile.Kind.DMN:
        return _dmn_problems(model_file)
    if model_file.kind != ModelFile.Kind.BPMN:
        return []
    try:
        from bizdevops.engine.core.parser import validate
        from bizdevops.engine.core.parser.bpmn import BpmnParseError, parse_definitions
    except ImportError:  # the engine core is not installed in this build
        return []
    try:
        parsed = parse_definitions(model_file.content)
    except BpmnParseError as exc:
        return [{"elementId": "", "message": exc.message, "severity": "error", "file": model_file.name}]
    return [
        {"elementId": p.element_id, "message": p.message, "severity": "error", "file": model_file.name}
        for p in validate(parsed.processes, parsed.problems)
    ]


def _dmn_problems(model_file: ModelFile) -> list[dict[str, str]]:
    """The DMN engine's reading of a decision model: what it refuses (FEEL syntax, references...)."""
    try:
        from bizdevops.dmn import DmnError, load
    except ImportError:
        return []
    try:
        load(model_file.content)
    except DmnError as exc:
        return [{"elementId": "", "message": str(exc), "severity": "error", "file": model_file.name}]
    return []


def deployment_plan(*, files: list[ModelFile]) -> list[dict[str, Any]]:
    """For each file: 'new' (never deployed), 'changed' (new version) or 'unchanged' since the last deploy."""
    last = {}
    for d in Deployment.objects.filter(file__in=files).order_by("file_id", "-deployed_at", "-pk"):
        last.setdefault(d.file_id, d)
    plan = []
    for f in files:
        previous = last.get(f.pk)
        if previous is None:
            status = "new"
        elif previous.content_hash == content_hash(f.content):
            status = "unchanged"
        else:
            status = "changed"
        plan.append(
            {
                "file": f.pk,
                "name": f.name,
                "kind": f.kind,
                "id": f.element_id,
                "status": status,
                "lastDeployedAt": previous.deployed_at.isoformat() if previous else None,
            }
        )
    return plan


# -- who owns a deployed id -----------------------------------------------------------------------------------

DMN_DECISION = "decision"


def deployable_ids(*, files: list[ModelFile]) -> list[tuple[ModelFile, str, str]]:
    """(file, kind, id) for every process, decision, decision requirements graph and form a deploy of
    `files` would version. A file that does not parse contributes nothing (deploy validation refuses it)."""
    found: list[tuple[ModelFile, str, str]] = []
    for f in files:
        if f.kind == ModelFile.Kind.FORM:
            try:
                schema = json.loads(f.content)
            except ValueError:
                continue
            if isinstance(schema, dict) and isinstance(schema.get("id"), str):
                found.append((f, "form", schema["id"]))
            continue
        try:
            root = parse_xml(f.content)
        except XmlProblem:
            continue
        if f.kind == ModelFile.Kind.BPMN:
            found.extend((f, "process", p.get("id", "")) for p in root.iter(f"{{{BPMN_NS}}}process"))
        else:
            namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
            found.append((f, "drg", root.get("id", "")))
            found.extend((f, DMN_DECISION, d.get("id", "")) for d in root.iter(f"{{{namespace}}}decision"))
    return [(f, kind, element_id) for f, kind, element_id in found if element_id]


def foreign_owner_of_id(
    *, user: AbstractBaseUser, project: Project, model_file: ModelFile, kind: str, element_id: str
) -> str:
    """Who else owns `element_id` if deploying `model_file` would add a version to it ('' = nobody else):
    another modeler project the user may not edit, or an API deployment by another user."""
    from bizdevops.engine.state import models as engine

    model, field = {
        "process": (engine.ProcessDefinition, "bpmn_process_id"),
        "decision": (engine.DecisionDefinition, "decision_id"),
        "drg": (engine.DecisionRequirements, "decision_requirements_id"),
        "form": (engine.FormDefinition, "form_id"),
    }[kind]
    versions = model.objects.filter(**{field: element_id, "tenant_id": "<default>"})
    latest = versions.order_by("-version").values_list("checksum", flat=True).first()
    if latest is None or latest == content_hash(model_file.content):
        return ""  # a new id, or the same bytes (the engine keeps the version: nothing is replaced)
    engine_keys = set(versions.values_list("deployment_id", flat=True))
    recorded: set[int] = set()
    for deployed in Deployment.objects.filter(engine_key__in=[str(k) for k in engine_keys]).select_related(
        "file__project"
    ):
        recorded.add(int(deployed.engine_key))
        other = deployed.file.project
        if other.pk != project.pk and not has_project_perm(user=user, project=other, codename="edit_project"):
            return _("another modeler project")
    # Ids deployed through the API (or by the platform) belong to whoever deployed them.
    others = (
        engine.Deployment.objects.filter(key__in=engine_keys - recorded)
        .exclude(created_by=user.get_username())
        .exists()
    )
    return _("someone else through the API") if others else ""
