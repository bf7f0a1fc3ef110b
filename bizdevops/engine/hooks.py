"""Listeners other apps register to hear about engine changes after they commit (Tasklist's live updates).

The engine imports nothing of its listeners: they register here (e.g. in their AppConfig.ready()) and the
state layer calls `notify_user_task` inside `transaction.on_commit`, so a listener never sees a change that
was rolled back. A failing listener is logged and never breaks the engine."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

UserTaskListener = Callable[[str, dict[str, Any]], None]
"""(intent, payload): intent CREATED / ASSIGNED / UPDATED / COMPLETED / CANCELED; payload keys: key,
assignee, candidateUsers, candidateGroups, bpmnProcessId, processInstanceKey, elementId, name, state."""

_user_task_listeners: list[UserTaskListener] = []


def register_user_task_listener(listener: UserTaskListener) -> None:
    """Call `listener(intent, payload)` after every committed user-task change."""
    if listener not in _user_task_listeners:
        _user_task_listeners.append(listener)


def unregister_user_task_listener(listener: UserTaskListener) -> None:
    if listener in _user_task_listeners:
        _user_task_listeners.remove(listener)


def has_user_task_listeners() -> bool:
    return bool(_user_task_listeners)


def notify_user_task(intent: str, payload: dict[str, Any]) -> None:
    """Run every listener; call this only after commit."""
    for listener in list(_user_task_listeners):
        try:
            listener(intent, payload)
        except Exception:
            logger.exception("user task listener %r failed", listener)
