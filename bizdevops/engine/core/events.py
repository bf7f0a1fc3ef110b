"""What processing one command produced: the events the Store applies in the command's transaction.

Processing never writes to the Store itself; it fills an `Effects` and the runtime hands each list to the
matching batch method of the Store (one bulk query per kind in the Django implementation)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bizdevops.engine.core.commands import Command
from bizdevops.engine.core.records import (
    HistoryRecord,
    IncidentRecord,
    JobRecord,
    MessageRecord,
    MessageSubscriptionRecord,
    SignalSubscriptionRecord,
    TimerRecord,
    UserTaskRecord,
)
from bizdevops.engine.core.state import InstanceState


@dataclass(slots=True)
class Effects:
    history: list[HistoryRecord] = field(default_factory=list)
    instances: list[InstanceState] = field(default_factory=list)  # to save (insert or update)
    jobs: list[JobRecord] = field(default_factory=list)  # created or changed
    user_tasks: list[UserTaskRecord] = field(default_factory=list)
    timers: list[TimerRecord] = field(default_factory=list)
    timers_deleted: list[int] = field(default_factory=list)
    message_subscriptions: list[MessageSubscriptionRecord] = field(default_factory=list)
    message_subscriptions_deleted: list[int] = field(default_factory=list)
    signal_subscriptions: list[SignalSubscriptionRecord] = field(default_factory=list)
    signal_subscriptions_deleted: list[int] = field(default_factory=list)
    messages: list[MessageRecord] = field(default_factory=list)
    incidents: list[IncidentRecord] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)  # follow-ups, each its own unit later
