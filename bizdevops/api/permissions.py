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
