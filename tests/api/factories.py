"""Engine rows for read-side API tests (search operators, paging, visibility) without running processes."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from bizdevops.engine.state import models as m

_keys = itertools.count(9_000_000_000_000)
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def definition(bpmn_process_id: str = "order", version: int = 1, **extra: Any) -> m.ProcessDefinition:
    deployment = m.Deployment.objects.create(key=next(_keys), created_at=T0)
    return m.ProcessDefinition.objects.create(
        key=next(_keys),
        bpmn_process_id=bpmn_process_id,
        version=version,
        resource_name=f"{bpmn_process_id}.bpmn",
        resource=b"<definitions/>",
        checksum=f"c{version}",
        deployment=deployment,
        created_at=T0,
        **extra,
    )


def instance(
    defn: m.ProcessDefinition, status: str = "ACTIVE", minutes: int = 0, **extra: Any
) -> m.ProcessInstance:
    return m.ProcessInstance.objects.create(
        key=next(_keys),
        process_definition=defn,
        bpmn_process_id=defn.bpmn_process_id,
        version=defn.version,
        status=status,
        state={},
        format_version=1,
        start_date=T0 + dt.timedelta(minutes=minutes),
        **extra,
    )


def user_task(
    pi: m.ProcessInstance,
    *,
    assignee: str = "",
    users: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
    **extra: Any,
) -> m.UserTask:
    task = m.UserTask.objects.create(
        key=next(_keys),
        element_id=extra.pop("element_id", "Task_Review"),
        name=extra.pop("name", "Review"),
        assignee=assignee,
        candidate_users=list(users),
        candidate_groups=list(groups),
        element_instance_key=next(_keys),
        process_instance_key=pi.key,
        process_definition_key=pi.process_definition_id,
        bpmn_process_id=pi.bpmn_process_id,
        creation_date=T0,
        **extra,
    )
    for name in users:
        m.UserTaskCandidate.objects.create(user_task=task, kind="user", name=name)
    for name in groups:
        m.UserTaskCandidate.objects.create(user_task=task, kind="group", name=name)
    return task


def variable(pi: m.ProcessInstance, name: str, value: Any, scope_key: int | None = None) -> m.Variable:
    return m.Variable.objects.create(
        key=next(_keys), scope_key=scope_key or pi.key, name=name, value=value, process_instance_key=pi.key
    )
