"""Reads of the Tasklist: which tasks a user may see, filtered, sorted and counted; a task's form, variables,
history and comments.

Visibility (Camunda Tasklist's user task access restrictions, always on): a user sees a task that is assigned
to them, offers them as a candidate user, or offers one of their groups. Admins see every task. The query
first collects the keys a user may see from two small indexed lookups (assignee, candidate rows) and only
then joins the task table, so its cost follows the user's share of tasks, not the table size.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from bizdevops.engine.state.models import (
    FormDefinition,
    ProcessDefinition,
    ProcessInstance,
    UserTask,
    UserTaskCandidate,
    UserTaskState,
    Variable,
)
from forms.selectors import document_refs
from tasklist.models import JobTask, JobTaskCandidate, SavedView, TaskComment, TaskDraft, TaskEvent

PAGE_SIZE = 50
MAX_SEARCH_VARIABLES = 5
SORTS = {
    "name": "name",
    "process": "process_name",
    "created": "creation_date",
    "due": "due_date",
    "follow_up": "follow_up_date",
    "priority": "priority",
    "assignee": "assignee",
}
STATES = ("CREATED", "COMPLETED", "CANCELED", "ALL")
ASSIGNMENTS = ("", "me", "unassigned", "assigned", "user")
DUE = ("", "overdue", "today", "week", "none", "follow_up_due")


@dataclass(frozen=True)
class TaskFilter:
    """A normalized task query; what a saved view stores. Unknown or malformed values fall back to defaults."""

    state: str = "CREATED"
    assignment: str = ""  # "" any, "me", "unassigned", "assigned" (to anyone), "user" (to `assignee`)
    assignee: str = ""
    group: str = ""
    process: str = ""
    due: str = ""
    search: str = ""
    search_variables: tuple[str, ...] = ()
    sort: str = "-created"

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> TaskFilter:
        raw = raw or {}
        names = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for name in names:
            value = raw.get(name)
            if value is None:
                continue
            if name == "search_variables":
                if isinstance(value, str):
                    value = list(value.replace(" ", ",").split(","))
                if isinstance(value, (list, tuple)):
                    cleaned = [str(v).strip()[:100] for v in value if str(v).strip()]
                    values[name] = tuple(dict.fromkeys(cleaned))[:MAX_SEARCH_VARIABLES]
            elif isinstance(value, (str, int)):
                values[name] = str(value).strip()[:200]
        result = cls(**values)
        if result.state not in STATES:
            result = replace(result, state="CREATED")
        if result.assignment not in ASSIGNMENTS:
            result = replace(result, assignment="")
        if result.due not in DUE:
            result = replace(result, due="")
        if result.sort.lstrip("-") not in SORTS:
            result = replace(result, sort="-created")
        return result

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["search_variables"] = list(self.search_variables)
        return data


@dataclass(frozen=True)
class ViewSpec:
    """A view in the sidebar: built-in (`slug`) or saved (`pk`)."""

    slug: str
    name: str
    filter: TaskFilter
    pk: int | None = None
    count: int | None = field(default=None, compare=False)


def is_admin(user: AbstractBaseUser) -> bool:
    """Admins see and may reassign every task."""
    return bool(getattr(user, "is_superuser", False)) or _in_group(user, "Admin")


def may_assign_others(user: AbstractBaseUser) -> bool:
    """Managers and Admins may assign a task to someone else or take it over."""
    return is_admin(user) or _in_group(user, "Manager")


def _in_group(user: AbstractBaseUser, name: str) -> bool:
    return name in group_names(user)


def group_names(user: AbstractBaseUser) -> list[str]:
    """The user's group names, cached on the user object for the request."""
    cached = getattr(user, "_tasklist_groups", None)
    if cached is None:
        cached = list(user.groups.values_list("name", flat=True))  # type: ignore[attr-defined]
        user._tasklist_groups = cached  # type: ignore[attr-defined]
    return cached


@dataclass(frozen=True)
class _Source:
    """Where tasks of one kind live: native tasks in the engine, job-based ones in the Tasklist's store."""

    model: Any
    candidates: Any
    candidate_task: str  # the candidate row's column naming its task


NATIVE = _Source(UserTask, UserTaskCandidate, "user_task_id")
JOB_BASED = _Source(JobTask, JobTaskCandidate, "task_id")
Task = UserTask | JobTask


def visible_tasks(
    user: AbstractBaseUser, *, state: str = "CREATED", source: _Source = NATIVE
) -> QuerySet[Any]:
    """Tasks `user` may see, in `state` (or all states with "ALL"); native ones, or job-based with
    `source=JOB_BASED` (the same rules)."""
    model = source.model
    tasks = model.objects.all()
    if state != "ALL":
        tasks = tasks.filter(state=state)
    if is_admin(user):
        return tasks
    username = user.get_username()
    # Candidate rows exist only while a task is open; finished tasks stay visible to who worked on them.
    by_candidate = (
        source.candidates.objects.filter(
            Q(kind=UserTaskCandidate.KIND_USER, name=username)
            | Q(kind=UserTaskCandidate.KIND_GROUP, name__in=group_names(user))
        )
        .values(source.candidate_task)
        .order_by()
    )
    mine = model.objects.filter(assignee=username).order_by()
    if state != "ALL":
        mine = mine.filter(state=state)
    keys = by_candidate.union(mine.values("key"))
    if state in ("COMPLETED", "ALL"):
        keys = keys.union(model.objects.filter(completed_by=username).order_by().values("key"))
    return tasks.filter(key__in=keys)


def filter_tasks(
    user: AbstractBaseUser, task_filter: TaskFilter, *, source: _Source = NATIVE
) -> QuerySet[Any]:
    """Visible tasks (of one source) matching `task_filter`, sorted (stable: ties broken by key)."""
    username = user.get_username()
    model = source.model
    if task_filter.assignment == "me":
        # Assigned to me implies visible: one index range (state, assignee, creation date), no union.
        tasks = model.objects.filter(assignee=username)
        if task_filter.state != "ALL":
            tasks = tasks.filter(state=task_filter.state)
    else:
        tasks = visible_tasks(user, state=task_filter.state, source=source)
    if task_filter.assignment == "unassigned":
        tasks = tasks.filter(assignee="")
    elif task_filter.assignment == "assigned":
        tasks = tasks.exclude(assignee="")
    elif task_filter.assignment == "user" and task_filter.assignee:
        tasks = tasks.filter(assignee=task_filter.assignee)
    if task_filter.group:
        tasks = tasks.filter(
            Exists(
                source.candidates.objects.filter(
                    **{source.candidate_task: OuterRef("key")},
                    kind=UserTaskCandidate.KIND_GROUP,
                    name=task_filter.group,
                )
            )
        )
    if task_filter.process:
        tasks = tasks.filter(bpmn_process_id=task_filter.process)
    now = timezone.now()
    if task_filter.due == "overdue":
        tasks = tasks.filter(due_date__lt=now)
    elif task_filter.due == "today":
        end = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)
        tasks = tasks.filter(due_date__lte=end)
    elif task_filter.due == "week":
        tasks = tasks.filter(due_date__lte=now + dt.timedelta(days=7))
    elif task_filter.due == "none":
        tasks = tasks.filter(due_date__isnull=True)
    elif task_filter.due == "follow_up_due":
        tasks = tasks.filter(follow_up_date__lte=now)
    if task_filter.search:
        text = Q(name__icontains=task_filter.search) | Q(process_name__icontains=task_filter.search)
        if task_filter.search_variables:
            # Matches the JSON text of the chosen variables of the task's process instance.
            text |= Exists(
                Variable.objects.annotate(text=_json_text("value")).filter(
                    process_instance_key=OuterRef("process_instance_key"),
                    name__in=task_filter.search_variables,
                    text__icontains=task_filter.search,
                )
            )
        tasks = tasks.filter(text)
    return tasks.order_by(*_ordering(task_filter.sort))


def _json_text(column: str) -> Any:
    """A JSON column as searchable text. PostgreSQL prints jsonb with its characters as they are; SQLite stores
    Django's JSON with \\u escapes, and json_extract(..., '$') gives the text back unescaped."""
    if _is_postgres():
        return Cast(column, TextField())
    from django.db.models import Func, Value

    return Func(F(column), Value("$"), function="json_extract", output_field=TextField())


def _sort_columns(sort: str) -> list[str]:
    columns = [SORTS[sort.lstrip("-")]]
    if columns[0] == "process_name":
        columns.append("bpmn_process_id")  # the engine may leave the name empty
    return columns


def _ordering(sort: str) -> list[Any]:
    descending = sort.startswith("-")
    columns = _sort_columns(sort)
    ordering: list[Any] = [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True) for name in columns
    ]
    return [*ordering, F("key").desc() if descending else F("key").asc()]


def process_names(tasks: list[Task]) -> dict[int, str]:
    """Process definition key -> process name, for tasks whose row carries no name."""
    keys = {task.process_definition_key for task in tasks if not task.process_name}
    if not keys:
        return {}
    rows = ProcessDefinition.objects.filter(key__in=keys).values_list("key", "name", "bpmn_process_id")
    return {key: name or process_id for key, name, process_id in rows}


def page_of(tasks: QuerySet[Any], page: int = 1) -> list[Any]:
    """One page of tasks (plus one row to know whether another page exists)."""
    start = (max(page, 1) - 1) * PAGE_SIZE
    return list(tasks[start : start + PAGE_SIZE + 1])


def tasks_page(user: AbstractBaseUser, task_filter: TaskFilter, page: int = 1) -> list[Task]:
    """One page of the visible tasks matching `task_filter`, native and job-based merged in one order (plus
    one row to know whether another page exists)."""
    native = filter_tasks(user, task_filter)
    if not job_tasks_exist():
        return page_of(native, page)
    jobs = filter_tasks(user, task_filter, source=JOB_BASED)
    columns = [*_sort_columns(task_filter.sort), "key"]
    merged = (
        native.order_by()
        .values_list(*columns)
        .union(jobs.order_by().values_list(*columns), all=True)
        .order_by(*_ordering(task_filter.sort))
    )
    keys = [row[-1] for row in page_of(merged, page)]
    found: dict[int, Task] = {**UserTask.objects.in_bulk(keys), **JobTask.objects.in_bulk(keys)}
    return [found[key] for key in keys if key in found]


def count_tasks(
    user: AbstractBaseUser, task_filter: TaskFilter, *, with_job_tasks: bool | None = None
) -> int:
    """How many visible tasks, native and job-based, match `task_filter` (one statement)."""
    native = filter_tasks(user, task_filter).order_by()
    if not (job_tasks_exist() if with_job_tasks is None else with_job_tasks):
        return native.count()
    jobs = filter_tasks(user, task_filter, source=JOB_BASED).order_by()
    return native.values("key").union(jobs.values("key"), all=True).count()


_JOB_TASKS_SEEN = False


def job_tasks_exist() -> bool:
    """Whether the Tasklist has ever imported a job-based task. Until it has (most installations never
    will), lists and counts read the engine's tasks alone; rows are never deleted, so a yes is remembered."""
    global _JOB_TASKS_SEEN
    if not _JOB_TASKS_SEEN:
        _JOB_TASKS_SEEN = JobTask.objects.exists()
    return _JOB_TASKS_SEEN


def builtin_views(user: AbstractBaseUser) -> list[ViewSpec]:
    """The views every user has, before their saved ones."""
    from django.utils.translation import gettext as _

    return [
        ViewSpec("mine", _("My tasks"), TaskFilter(assignment="me")),
        ViewSpec("unassigned", _("Unassigned"), TaskFilter(assignment="unassigned")),
        ViewSpec("all", _("All open tasks"), TaskFilter()),
        ViewSpec("completed", _("Completed"), TaskFilter(state="COMPLETED", sort="-created")),
    ]


def list_views(user: AbstractBaseUser, *, with_counts: bool = True) -> list[ViewSpec]:
    """Built-in and saved views, each with its task count."""
    views = builtin_views(user) + [
        ViewSpec(f"view-{saved.pk}", saved.name, TaskFilter.from_dict(saved.filters), pk=saved.pk)
        for saved in SavedView.objects.filter(owner=user)
    ]
    if not with_counts:
        return views
    with_job_tasks = job_tasks_exist()
    return [
        replace(view, count=count_tasks(user, view.filter, with_job_tasks=with_job_tasks)) for view in views
    ]


def get_view(user: AbstractBaseUser, slug: str) -> ViewSpec | None:
    for view in list_views(user, with_counts=False):
        if view.slug == slug:
            return view
    return None


# --- one task -----------------------------------------------------------------------------------------------


def get_visible_task(user: AbstractBaseUser, key: int) -> Task | None:
    """The task (native or job-based) if `user` may see it, else None (the caller answers 404: no existence
    oracle)."""
    task: Task | None = visible_tasks(user, state="ALL").filter(key=key).first()
    if task is None:
        task = visible_tasks(user, state="ALL", source=JOB_BASED).filter(key=key).first()
    return task


def is_job_based(task: Task) -> bool:
    """Whether `task` is a job-based user task (a job the Tasklist imported) rather than a native one."""
    return isinstance(task, JobTask)


def task_variables(task: Task, names: set[str] | None = None) -> dict[str, Any]:
    """Variables visible to the task: the instance's, overlaid by the task's local ones."""
    rows = Variable.objects.filter(
        process_instance_key=task.process_instance_key,
        scope_key__in=[task.process_instance_key, task.element_instance_key],
    )
    if names is not None:
        rows = rows.filter(name__in=names)
    values: dict[str, Any] = {}
    local: dict[str, Any] = {}
    for scope_key, name, value in rows.values_list("scope_key", "name", "value"):
        (local if scope_key == task.element_instance_key else values)[name] = value
    values.update(local)
    return values


def task_form_schema(task: Task) -> dict[str, Any] | None:
    """The form-js schema of the task: linked (deployed form) or embedded; None when it has no form."""
    if task.form_definition_key:
        form = FormDefinition.objects.filter(key=task.form_definition_key).first()
        if form is not None and isinstance(form.schema, dict):
            return form.schema
    if task.form_id:
        form = (
            FormDefinition.objects.filter(form_id=task.form_id, tenant_id=task.tenant_id)
            .order_by("-version")
            .first()
        )
        if form is not None and isinstance(form.schema, dict):
            return form.schema
    if task.embedded_form:
        try:
            schema = json.loads(task.embedded_form)
        except ValueError:
            return None
        return schema if isinstance(schema, dict) else None
    return None


def task_process_xml(task: Task) -> str:
    definition = ProcessDefinition.objects.filter(key=task.process_definition_key).first()
    return definition.xml if definition else ""


_ENGINE_ACTIONS = {
    "ASSIGNED": ("claimed", "unclaimed", "assigned"),
    "UPDATED": ("follow_up",),
    "COMPLETED": ("completed",),
}


def _engine_task_records(task: Task) -> list[Any]:
    from bizdevops.engine import selectors as engine_selectors

    if isinstance(task, JobTask):
        return []  # the engine keeps no task record of a job; its creation is the entry below
    list_history = getattr(engine_selectors, "list_user_task_history", None)
    if list_history is not None:
        return list(list_history(user_task_key=task.key))
    return []


def task_history(task: Task) -> list[dict[str, Any]]:
    """The task's trail, oldest first: who did what here (claim, assign, complete), plus what the engine
    recorded that did not come through the Tasklist (creation, cancellation, changes made over the API)."""
    from django.utils.translation import gettext as _

    labels = {
        "CREATED": _("task created"),
        "ASSIGNED": _("assignment changed"),
        "UPDATED": _("task updated"),
        "COMPLETED": _("task completed"),
        "CANCELED": _("task canceled"),
    }
    entries: list[dict[str, Any]] = []
    if isinstance(task, JobTask):
        entries.append(
            {
                "at": task.creation_date,
                "kind": "engine",
                "intent": labels["CREATED"],
                "actor": "",
                "detail": "",
            }
        )
    events = list(TaskEvent.objects.filter(task_key=task.key).select_related("actor")[:200])
    done_here = {event.action for event in events}
    for record in _engine_task_records(task)[:200]:
        if set(_ENGINE_ACTIONS.get(record.intent, ())) & done_here:
            continue
        data = record.data or {}
        entries.append(
            {
                "at": dt.datetime.fromtimestamp(record.timestamp / 1000, tz=dt.UTC),
                "kind": "engine",
                "intent": labels.get(record.intent, record.intent),
                "actor": "",
                "detail": str(data.get("assignee") or "") if record.intent == "ASSIGNED" else "",
            }
        )
    for event in events:
        entries.append(
            {
                "at": event.created_at,
                "kind": "action",
                "intent": event.get_action_display(),
                "action": event.action,
                "actor": event.actor.get_full_name() or event.actor.get_username(),
                "detail": event.detail,
            }
        )
    entries.sort(key=lambda entry: entry["at"])
    return entries


def task_comments(task: Task) -> QuerySet[TaskComment]:
    return TaskComment.objects.filter(task_key=task.key).select_related("author")


def get_draft(user: AbstractBaseUser, task_key: int) -> TaskDraft | None:
    return TaskDraft.objects.filter(user=user, task_key=task_key).first()


def task_is_unrestricted(task: Task) -> bool:
    return not task.candidate_users and not task.candidate_groups


def is_candidate(user: AbstractBaseUser, task: UserTask) -> bool:
    """May `user` claim `task` for themselves (a candidate user or in a candidate group)?"""
    if user.get_username() in (task.candidate_users or []):
        return True
    return bool(set(task.candidate_groups or []) & set(group_names(user)))


def task_process_names(user: AbstractBaseUser) -> list[tuple[str, str]]:
    """(bpmn process id, name) of processes with tasks, for the filter's select."""
    rows = (
        ProcessDefinition.objects.order_by("bpmn_process_id", "-version")
        .distinct("bpmn_process_id")
        .values_list("bpmn_process_id", "name")
        if _is_postgres()
        else ProcessDefinition.objects.order_by("bpmn_process_id").values_list("bpmn_process_id", "name")
    )
    seen: dict[str, str] = {}
    for process_id, name in rows:
        seen.setdefault(process_id, name or process_id)
    return sorted(seen.items(), key=lambda item: item[1].lower())


def _is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def open_states() -> tuple[str, ...]:
    return (UserTaskState.CREATED,)


# --- starting processes -------------------------------------------------------------------------------------

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
STARTER_GROUPS = "candidateStarterGroups"
STARTER_USERS = "candidateStarterUsers"


@dataclass(frozen=True)
class StartInfo:
    """What the BPMN says about starting a process by hand: its none start event, the linked form, and who
    may start it (zeebe:properties `candidateStarterGroups` / `candidateStarterUsers`, comma-separated, as
    Camunda 7's attributes of the same names; no property means every signed-in user)."""

    start_event_id: str
    form_id: str
    starter_groups: tuple[str, ...] = ()
    starter_users: tuple[str, ...] = ()

    def allows(self, user: AbstractBaseUser) -> bool:
        if not self.starter_groups and not self.starter_users:
            return True
        if is_admin(user) or user.get_username() in self.starter_users:
            return True
        return bool(set(self.starter_groups) & set(group_names(user)))


_START_INFO: dict[int, StartInfo | None] = {}


@dataclass(frozen=True)
class Startable:
    """A process a user can start from the Tasklist (latest version), with its start form if linked."""

    definition_key: int
    bpmn_process_id: str
    name: str
    version: int
    form_id: str
    form_schema: dict[str, Any] | None


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _start_info(definition: ProcessDefinition) -> StartInfo | None:
    """The process's StartInfo, None if it has no none start event. Definitions are immutable: cached by key."""
    if definition.key in _START_INFO:
        return _START_INFO[definition.key]
    from bizdevops.xmlsafe import XmlProblem, parse_xml

    found: StartInfo | None = None
    try:
        root = parse_xml(bytes(definition.resource))
    except XmlProblem:
        root = None
    for process in root.iter(f"{{{BPMN_NS}}}process") if root is not None else ():
        if process.get("id") != definition.bpmn_process_id:
            continue
        properties = {
            prop.get("name", ""): prop.get("value", "")
            for prop in process.findall(
                f"{{{BPMN_NS}}}extensionElements/{{{ZEEBE_NS}}}properties/{{{ZEEBE_NS}}}property"
            )
        }
        for start in process.findall(f"{{{BPMN_NS}}}startEvent"):
            if any(child.tag.endswith("EventDefinition") for child in start if isinstance(child.tag, str)):
                continue
            link = start.find(f"{{{BPMN_NS}}}extensionElements/{{{ZEEBE_NS}}}formDefinition")
            found = StartInfo(
                start_event_id=start.get("id", ""),
                form_id=link.get("formId", "") if link is not None else "",
                starter_groups=_names(properties.get(STARTER_GROUPS)),
                starter_users=_names(properties.get(STARTER_USERS)),
            )
            break
    if len(_START_INFO) < 10_000:
        _START_INFO[definition.key] = found
    return found


def _latest_definitions() -> list[ProcessDefinition]:
    # Versions pile up; only the newest of each process is read with its XML (and parsed once, cached).
    latest: dict[tuple[str, str], int] = {}
    for key, tenant_id, process_id in ProcessDefinition.objects.order_by(
        "bpmn_process_id", "-version"
    ).values_list("key", "tenant_id", "bpmn_process_id"):
        latest.setdefault((tenant_id, process_id), key)
    return list(ProcessDefinition.objects.filter(key__in=latest.values()).order_by("bpmn_process_id"))


def _startable(user: AbstractBaseUser, definition: ProcessDefinition) -> Startable | None:
    # A process restricted to others (object permissions, `manage.py definition_access`) is as absent here
    # as in the REST API.
    from bizdevops.api.permissions import may_see_definition

    info = _start_info(definition)
    if info is None or not info.allows(user) or not may_see_definition(user, definition):
        return None
    schema = None
    if info.form_id:
        form = (
            FormDefinition.objects.filter(form_id=info.form_id, tenant_id=definition.tenant_id)
            .order_by("-version")
            .first()
        )
        schema = form.schema if form is not None and isinstance(form.schema, dict) else None
    return Startable(
        definition_key=definition.key,
        bpmn_process_id=definition.bpmn_process_id,
        name=definition.name or definition.bpmn_process_id,
        version=definition.version,
        form_id=info.form_id,
        form_schema=schema,
    )


def list_startable_processes(user: AbstractBaseUser) -> list[Startable]:
    """Latest versions of the processes `user` may start by hand; those with a start form first."""
    result = [s for s in (_startable(user, d) for d in _latest_definitions()) if s is not None]
    return sorted(result, key=lambda s: (s.form_schema is None, s.name.lower()))


def may_start(user: AbstractBaseUser, definition: ProcessDefinition) -> bool:
    """Whether the process's candidate starters (if it names any) include `user`: the rule every way of
    starting by hand (Tasklist, modeler, REST API) applies."""
    info = _start_info(definition)
    return info is None or info.allows(user)


def get_startable_process(user: AbstractBaseUser, bpmn_process_id: str) -> Startable | None:
    """The latest version of the process if `user` may start it by hand, else None."""
    definition = (
        ProcessDefinition.objects.filter(bpmn_process_id=bpmn_process_id).order_by("-version").first()
    )
    return _startable(user, definition) if definition is not None else None


# --- documents uploaded through forms -----------------------------------------------------------------------


def task_documents(task: Task) -> list[dict[str, Any]]:
    """Files uploaded in this process instance's forms (document references in its variables)."""
    documents: list[dict[str, Any]] = []
    for name, value in Variable.objects.filter(process_instance_key=task.process_instance_key).values_list(
        "name", "value"
    ):
        for ref in document_refs(value):
            metadata = ref.get("metadata") or {}
            documents.append(
                {
                    "variable": name,
                    "documentId": ref["documentId"],
                    "fileName": str(metadata.get("fileName") or ref["documentId"]),
                    "contentType": str(metadata.get("contentType") or ""),
                    "size": metadata.get("size"),
                }
            )
    return documents


def may_read_document(user: AbstractBaseUser, document_id: str, owner_id: int) -> bool:
    """The uploader may; so may anyone who can see a task of a process instance its uploader submitted it
    into (or of an instance that instance called). A mere reference in variables grants nothing."""
    from forms.models import DocumentAttachment

    if owner_id == user.pk or is_admin(user):
        return True
    attached = DocumentAttachment.objects.filter(document_id=document_id).values("process_instance_key")
    instances = ProcessInstance.objects.filter(
        Q(key__in=attached) | Q(root_process_instance_key__in=attached)
    ).values("key")
    return any(
        visible_tasks(user, state="ALL", source=source).filter(process_instance_key__in=instances).exists()
        for source in (NATIVE, JOB_BASED)
    )
