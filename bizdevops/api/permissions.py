"""Who may do what through the API: role capabilities plus object rules (user tasks a person may work on).

A caller is a Django user: a person (Basic or session) or an API client's service user (bearer token); the
groups are the roles. A missing capability answers 403; an object the caller may not see answers 404, so
keys of other people's work are not disclosed. Either way nothing changes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

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
    """403 when the process names candidate starters (zeebe:properties candidateStarterGroups/Users) and
    the caller is not one of them, as the Tasklist and the modeler enforce. Unknown processes pass through
    (the engine answers 404)."""
    from bizdevops.engine.state.models import ProcessDefinition
    from tasklist.selectors import may_start

    definitions = ProcessDefinition.objects.all()
    if definition_key is not None:
        definition = definitions.filter(key=definition_key).first()
    elif bpmn_process_id:
        definitions = definitions.filter(bpmn_process_id=bpmn_process_id)
        if tenant_id:
            definitions = definitions.filter(tenant_id=tenant_id)
        if version is not None:
            definitions = definitions.filter(version=version)
        definition = definitions.order_by("-version").first()
    else:
        return
    if definition is not None and not may_start(user, definition):
        raise ApiProblem(
            403, f"You are not among the candidate starters of process '{definition.bpmn_process_id}'."
        )


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
