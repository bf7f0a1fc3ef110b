"""Who may do what through the API: role capabilities plus object rules (user tasks a person may work on,
definitions restricted with object permissions).

A caller is a Django user: a person (Basic or session) or an API client's service user (bearer token); the
groups are the roles. A missing capability answers 403; an object the caller may not see answers 404, so
keys of other people's work are not disclosed. Either way nothing changes.

Definitions (processes, decisions, decision requirements, forms) are open to every caller with the
capability until someone restricts one: a django-guardian object permission `engine.view_<model>` granted to
a user or group on a definition restricts its id (BPMN process id, decision id, DRG id, form id) in its
tenant, across all versions, to the holders of such a grant on any version and to Admins, as Camunda's
authorizations name a process by its id. A new version deployed later stays restricted. A caller outside
sees nothing of it: searches omit it, gets answer 404, starting or evaluating it answers 404; nor of a
restricted process's instances (their jobs, incidents, variables and element instances), and Operate's
commands on them (cancel, set variables, resolve incidents, modify, migrate) answer 404 too. User tasks keep
their own rule (assignee and candidates).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from bizdevops.api.errors import ApiProblem


class Can(StrEnum):
    READ = "read"  # definitions, instances, variables, incidents, jobs (Operate view)
    DEPLOY = "deploy"
    START = "start"  # create process instances
    WORK_JOBS = "work-jobs"  # activate, complete, fail, throw errors (job workers)
    MESSAGE = "message"  # publish/correlate messages, broadcast signals
    OPERATE = "operate"  # cancel, modify, migrate, resolve incidents, set variables, update jobs
    EVALUATE = "evaluate"  # evaluate decisions
    WORK_TASKS = "work-tasks"  # own/candidate user tasks
    ALL_TASKS = "all-tasks"  # every user task, assign to anybody
    CLOCK = "clock"


ROLE_CAPABILITIES: dict[str, frozenset[Can]] = {
    "Admin": frozenset(Can),
    "Developer": frozenset(Can) - {Can.CLOCK},
    "Operator": frozenset({Can.READ, Can.OPERATE, Can.START, Can.MESSAGE, Can.WORK_TASKS, Can.ALL_TASKS}),
    # Analysts model, simulate, deploy and start their processes (product brief); they do not work jobs.
    "Analyst": frozenset({Can.READ, Can.EVALUATE, Can.DEPLOY, Can.START}),
    "Manager": frozenset({Can.START, Can.WORK_TASKS, Can.ALL_TASKS}),
    "Employee": frozenset({Can.START, Can.WORK_TASKS}),
}


def capabilities(user: AbstractBaseUser | AnonymousUser | None) -> frozenset[Can]:
    """Union of the caller's role capabilities (cached on the user object for the request)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached: frozenset[Can] | None = getattr(user, "_api_capabilities", None)
    if cached is not None:
        return cached
    if getattr(user, "is_superuser", False):
        result = frozenset(Can)
    else:
        names = group_names(user)
        result = frozenset(cap for name in names for cap in ROLE_CAPABILITIES.get(name, ()))
    user._api_capabilities = result  # type: ignore[union-attr]
    return result


def group_names(user: Any) -> list[str]:
    cached: list[str] | None = getattr(user, "_api_groups", None)
    if cached is None:
        cached = list(user.groups.values_list("name", flat=True))
        user._api_groups = cached
    return cached


def require_candidate_starter(
    user: Any,
    *,
    definition_key: int | None = None,
    bpmn_process_id: str | None = None,
    version: int | None = None,
    tenant_id: str | None = None,
) -> None:
    """404 when the process is restricted to others (object permissions), 403 when it names candidate
    starters (zeebe:properties candidateStarterGroups/Users) and the caller is not one of them, as the
    Tasklist and the modeler enforce. Unknown processes pass through (the engine answers 404)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Exists
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from bizdevops.engine.state.models import ProcessDefinition
    from tasklist.selectors import may_start

    if definition_key is None and not bpmn_process_id:
        return
    # One query for the definition and whether any process is restricted at all (the usual answer: no),
    # instead of one each: when none is, hidden_definitions' answer (nothing hidden) is known already.
    content_type = ContentType.objects.get_for_model(ProcessDefinition)
    codename = "view_processdefinition"
    grants = {"content_type_id": content_type.pk, "permission__codename": codename}

    def lookup() -> QuerySet[Any]:
        definitions = ProcessDefinition.objects.annotate(
            restricted_to_users=Exists(UserObjectPermission.objects.filter(**grants)),
            restricted_to_groups=Exists(GroupObjectPermission.objects.filter(**grants)),
        )
        fields = [*_DEFINITION_FIELDS, "restricted_to_users", "restricted_to_groups"]
        if definition_key is not None:
            return definitions.filter(key=definition_key).values_list(*fields)[:1]
        definitions = definitions.filter(bpmn_process_id=bpmn_process_id)
        if tenant_id:
            definitions = definitions.filter(tenant_id=tenant_id)
        if version is not None:
            definitions = definitions.filter(version=version)
        return definitions.order_by("-version").values_list(*fields)[:1]

    restriction = (1, content_type.pk, codename) * 2  # EXISTS(SELECT %s ...) with 1: the ORM's own parameter
    if definition_key is not None:
        params: tuple[Any, ...] = (*restriction, definition_key)
    else:
        params = (*restriction, *(p for p in (bpmn_process_id, tenant_id or None, version) if p is not None))
    shape = ("start-restricted", definition_key is not None, bool(tenant_id), version is not None)
    rows = fast_rows(shape, lookup, params)
    if not rows:
        return  # unknown: the engine answers 404
    *columns, restricted_to_users, restricted_to_groups = rows[0]
    if not restricted_to_users and not restricted_to_groups:
        _remember_hidden(user, "processdefinition", frozenset())
    # the columns the checks read; the BPMN resource loads only if may_start has not parsed it yet
    definition = ProcessDefinition.from_db(ProcessDefinition.objects.db, _DEFINITION_FIELDS, columns)
    if not may_see_definition(user, definition):
        raise ApiProblem(404, f"Process definition '{definition_key or bpmn_process_id}' not found.")
    if not may_start(user, definition):
        raise ApiProblem(
            403, f"You are not among the candidate starters of process '{definition.bpmn_process_id}'."
        )


# in the model's field order (Model.from_db fills the others in as deferred)
_DEFINITION_FIELDS = ["key", "bpmn_process_id", "tenant_id"]
_FAST_SQL: dict[Any, str | None] = {}


def fast_rows(shape: Any, build: Any, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The rows of the values_list queryset `build()` whose SQL parameters are `params`, in order. Checks on
    every API request run these few shapes: on PostgreSQL the SQL is built once per `shape` (the ORM spends
    about 1 ms of CPU building each) and then run as is, as a prepared statement where it can
    (bizdevops.prepared); elsewhere (or if the parameters turn out different from `params`) the queryset
    runs as usual."""
    from django.db import connection

    from bizdevops.prepared import prepared_rows

    sql = _FAST_SQL.get(shape)
    if sql is None:
        queryset = build()
        if shape in _FAST_SQL or connection.vendor != "postgresql":
            return [tuple(row) for row in queryset]
        sql, compiled = queryset.query.sql_with_params()
        _FAST_SQL[shape] = sql if tuple(compiled) == params else None
        if tuple(compiled) != params:
            return [tuple(row) for row in queryset]
    rows = prepared_rows(sql, params)
    if rows is not None:
        return rows
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def require(user: Any, *needed: Can) -> None:
    """403 unless the caller has one of `needed`."""
    have = capabilities(user)
    if not any(cap in have for cap in needed):
        raise ApiProblem(
            403, f"Insufficient permissions to perform this operation (needs {needed[0].value})."
        )


def has(user: Any, cap: Can) -> bool:
    return cap in capabilities(user)


def task_visibility(user: Any) -> Q | None:
    """A Q on engine UserTask rows limiting them to those `user` may work on (None = all): assigned to them,
    naming them or one of their groups as candidates, or naming nobody (open to every task worker, as in
    Tasklist)."""
    from bizdevops.engine.state.models import UserTaskCandidate

    if has(user, Can.ALL_TASKS):
        return None
    username = user.get_username()
    named = UserTaskCandidate.objects.filter(
        Q(kind=UserTaskCandidate.KIND_USER, name=username)
        | Q(kind=UserTaskCandidate.KIND_GROUP, name__in=group_names(user))
    ).values("user_task_id")
    anybody = Q(assignee="") & ~Q(key__in=UserTaskCandidate.objects.values("user_task_id"))
    return Q(assignee=username) | Q(key__in=named) | anybody


def visible_tasks(user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The user tasks of `queryset` the caller may see; 403 for callers without any task capability."""
    require(user, Can.WORK_TASKS, Can.ALL_TASKS)
    q = task_visibility(user)
    return queryset if q is None else queryset.filter(q)


# -- object permissions on definitions ---------------------------------------------------------------

DEFINITION_ID_FIELDS = {
    "processdefinition": "bpmn_process_id",
    "decisiondefinition": "decision_id",
    "decisionrequirements": "decision_requirements_id",
    "formdefinition": "form_id",
}

Row = TypeVar("Row")


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or "Admin" in group_names(user)


def hidden_definitions(user: Any, model: type[Any]) -> frozenset[tuple[str, str]]:
    """(tenant id, definition id) pairs of `model` (a definition model) that are restricted and not granted
    to `user`. One query when nothing is restricted (the usual case); cached on the user for the request."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import GroupObjectPermission, UserObjectPermission

    name = model._meta.model_name
    cache: dict[str, frozenset[tuple[str, str]]] = getattr(user, "_api_hidden_definitions", None) or {}
    if name in cache:
        return cache[name]
    content_type = ContentType.objects.get_for_model(model)
    grants = {"content_type": content_type, "permission__codename": f"view_{name}"}
    restricted = {
        row[0]
        for row in fast_rows(
            ("restricted", name),
            lambda: (
                UserObjectPermission.objects.filter(**grants)
                .values_list("object_pk")
                .union(GroupObjectPermission.objects.filter(**grants).values_list("object_pk"))
            ),
            (content_type.pk, f"view_{name}") * 2,
        )
    }
    hidden: frozenset[tuple[str, str]] = frozenset()
    if restricted and not is_admin(user):
        mine = set(
            UserObjectPermission.objects.filter(**grants, user_id=user.pk)
            .values_list("object_pk", flat=True)
            .union(
                GroupObjectPermission.objects.filter(**grants, group__name__in=group_names(user)).values_list(
                    "object_pk", flat=True
                )
            )
        )
        id_field = DEFINITION_ID_FIELDS[name]

        def ids(pks: set[str]) -> set[tuple[str, str]]:
            keys = [int(pk) for pk in pks if pk.isascii() and pk.isdigit()]
            return set(model.objects.filter(pk__in=keys).values_list("tenant_id", id_field))

        hidden = frozenset(ids(restricted) - ids(mine))
    _remember_hidden(user, name, hidden)
    return hidden


def _remember_hidden(user: Any, name: str, hidden: frozenset[tuple[str, str]]) -> None:
    """Cache hidden_definitions' answer for definition model `name` on the user, for the request."""
    if user is not None and user.is_authenticated:
        cache: dict[str, frozenset[tuple[str, str]]] = getattr(user, "_api_hidden_definitions", None) or {}
        cache[name] = hidden
        user._api_hidden_definitions = cache


def visible_definitions(user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The definitions of `queryset` the caller may see (restricted ones only with a grant)."""
    model = queryset.model
    hidden = hidden_definitions(user, model)
    if not hidden:
        return queryset
    id_field = DEFINITION_ID_FIELDS[model._meta.model_name]
    excluded = Q()
    for tenant_id, definition_id in hidden:
        excluded |= Q(tenant_id=tenant_id, **{id_field: definition_id})
    return queryset.exclude(excluded)


def _deployed_ids(resources: list[tuple[str, bytes]]) -> dict[str, set[str]]:
    """The definition ids (by definition model name) a deployment would write new versions of. Files that do
    not parse are left to the deployment's own validation."""
    import json

    from bizdevops.xmlsafe import parse_xml

    found: dict[str, set[str]] = {name: set() for name in DEFINITION_ID_FIELDS}
    for name, data in resources:
        lower = name.lower()
        try:
            if lower.endswith(".form"):
                form_id = json.loads(data).get("id")
                if isinstance(form_id, str):
                    found["formdefinition"].add(form_id)
                continue
            root = parse_xml(data)
        except Exception:  # noqa: BLE001, S112 - refused with its own message by the deployment
            continue
        for element in root.iter("{*}process"):
            found["processdefinition"].add(str(element.get("id")))
        for element in root.iter("{*}decision"):
            found["decisiondefinition"].add(str(element.get("id")))
        if root.tag.endswith("}definitions") and "omg.org/spec/DMN" in root.tag:
            found["decisionrequirements"].add(str(root.get("id")))
    return found


def require_deployable(user: Any, resources: list[tuple[str, bytes]], tenant_id: str) -> None:
    """A new version of a definition restricted to others may only come from who may see it (403)."""
    from bizdevops.engine.state import models as m

    models = {
        "processdefinition": m.ProcessDefinition,
        "decisiondefinition": m.DecisionDefinition,
        "decisionrequirements": m.DecisionRequirements,
        "formdefinition": m.FormDefinition,
    }
    for name, ids in _deployed_ids(resources).items():
        if not ids:
            continue
        hidden = hidden_definitions(user, models[name])
        blocked = sorted(i for i in ids if (tenant_id, i) in hidden)
        if blocked:
            raise ApiProblem(
                403, f"You may not deploy a new version of {', '.join(blocked)}: it is restricted to others."
            )


def may_see_definition(user: Any, row: Any) -> bool:
    """Whether the caller may see one definition row."""
    hidden = hidden_definitions(user, type(row))
    return (row.tenant_id, getattr(row, DEFINITION_ID_FIELDS[type(row)._meta.model_name])) not in hidden


def require_visible_definition(user: Any, row: Row | None, what: str, reference: Any) -> Row:
    """`row` when it exists and the caller may see it; otherwise the same 404 as for an unknown one."""
    if row is None or not may_see_definition(user, row):
        raise ApiProblem(404, f"{what} '{reference}' not found.")
    return row


def _hidden_process_q(user: Any) -> Q | None:
    """A Q on rows carrying tenant_id and bpmn_process_id that matches processes restricted to others."""
    from bizdevops.engine.state.models import ProcessDefinition

    hidden = hidden_definitions(user, ProcessDefinition)
    if not hidden:
        return None
    q = Q()
    for tenant_id, process_id in hidden:
        q |= Q(tenant_id=tenant_id, bpmn_process_id=process_id)
    return q


def visible_runtime(user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Instances, jobs, incidents or variables of `queryset`, less those of processes restricted to others:
    who may not see a process sees nothing of its instances either."""
    from bizdevops.engine.state.models import ProcessInstance

    q = _hidden_process_q(user)
    if q is None:
        return queryset
    if any(field.name == "bpmn_process_id" for field in queryset.model._meta.get_fields()):
        return queryset.exclude(q)
    return queryset.exclude(process_instance_key__in=ProcessInstance.objects.filter(q).values("key"))


def may_see_instance(user: Any, process_instance_key: int) -> bool:
    """False for an instance of a process restricted to others (unknown instances are not hidden)."""
    from bizdevops.engine.state.models import ProcessInstance

    q = _hidden_process_q(user)
    return q is None or not ProcessInstance.objects.filter(q, key=process_instance_key).exists()


def require_visible_instance(
    user: Any, process_instance_key: int | None, reference: Any, what: str = "Process instance"
) -> None:
    """404 for an instance (or a part of one) of a process restricted to others, as for an unknown one
    (unknown instances pass through: the engine answers them)."""
    if process_instance_key is not None and not may_see_instance(user, process_instance_key):
        raise ApiProblem(404, f"{what} '{reference}' not found.")
