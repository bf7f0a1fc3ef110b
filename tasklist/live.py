"""Live updates of task lists over WebSockets (Channels).

Every user's browser joins one group per user name and one per group it belongs to; a change to a task is
sent, after commit, to the groups of its assignee, candidate users and candidate groups (and to the admins'
group), so nobody is told about tasks they may not see. Messages carry only the task key and intent: the
browser re-reads its list through the normal, permission-checked endpoints.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)
ADMIN_GROUP = "tasklist.admins"


def _name(kind: str, name: str) -> str:
    # Channel group names must be ASCII and short; user and group names may be Korean.
    return f"tasklist.{kind}.{hashlib.sha256(name.encode()).hexdigest()[:24]}"


def user_group(username: str) -> str:
    return _name("u", username)


def role_group(group_name: str) -> str:
    return _name("g", group_name)


def audience(payload: dict[str, Any]) -> set[str]:
    """Channel groups that may hear about the task in `payload` (engine field names)."""
    groups = {ADMIN_GROUP}
    for name in [payload.get("assignee") or "", *(payload.get("candidateUsers") or [])]:
        if name:
            groups.add(user_group(str(name)))
    for name in (payload.get("previousAssignee"), payload.get("completedBy")):
        if isinstance(name, str) and name:
            groups.add(user_group(name))
    for name in payload.get("candidateGroups") or []:
        if name:
            groups.add(role_group(str(name)))
    return groups


def _send(groups: Iterable[str], message: dict[str, Any]) -> None:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        _send_now(list(groups), message)
        return
    # Called from a thread that runs an event loop (an async consumer, a test driver): async_to_sync
    # cannot block here, so the sends go out from a short-lived thread instead.
    import threading

    threading.Thread(target=_send_now, args=(list(groups), message), daemon=True).start()


def _send_now(groups: list[str], message: dict[str, Any]) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:  # noqa: BLE001 - a dropped live update must never fail the command that caused it
            logger.warning("tasklist live update to %s failed", group, exc_info=True)


def on_user_task(intent: str, payload: dict[str, Any]) -> None:
    """Engine hook: called after commit with the task's new state (see engine-notes.md)."""
    message = {"type": "task.changed", "key": str(payload.get("key", "")), "intent": intent}
    _send(audience(payload), message)


def task_changed_by_tasklist(task: Any, intent: str, previous_assignee: str = "") -> None:
    """Announce a change made through the Tasklist, after the transaction commits."""
    payload = {
        "key": task.key,
        "assignee": task.assignee,
        "previousAssignee": previous_assignee,
        "completedBy": task.completed_by,
        "candidateUsers": list(task.candidate_users or []),
        "candidateGroups": list(task.candidate_groups or []),
    }
    transaction.on_commit(lambda: on_user_task(intent, payload))
