"""The engine harness every core scenario runs against, and the trail helpers.

A harness wraps an Engine and the few read-side queries tests need that are not part of the Engine API
(history, open user tasks, timers). `harness.engine` is the engine for the *next* command: a harness may
return a fresh Engine on the same store at each access, which simulates a restart (reload of state and
definitions) at every wait state."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from bizdevops.engine.core.records import (
    HistoryRecord,
    IncidentRecord,
    JobRecord,
    MessageSubscriptionRecord,
    TimerRecord,
    UserTaskRecord,
)
from bizdevops.engine.core.runtime import Engine
from bizdevops.engine.core.state import InstanceState

HERE = Path(__file__).parent


class EngineHarness(Protocol):
    name: str

    @property
    def engine(self) -> Engine: ...

    def history(self) -> list[HistoryRecord]:
        """Every history record appended so far, in order."""
        ...

    def user_tasks(self, process_instance_key: int | None = None) -> list[UserTaskRecord]:
        """Every user task record (any state), by key."""
        ...

    def jobs(self, process_instance_key: int | None = None) -> list[JobRecord]: ...

    def timers(self) -> list[TimerRecord]: ...

    def message_subscriptions(self) -> list[MessageSubscriptionRecord]: ...

    def advance(
        self, *, ms: int = 0, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> int:
        """Move the clock and fire due timers; returns how many fired."""
        ...

    def now(self) -> int: ...


def deploy(harness: EngineHarness, *names: str) -> Any:
    """Deploy .bpmn/.dmn/.form fixtures that sit beside the test modules."""
    return harness.engine.deploy([(name, (HERE / name).read_bytes()) for name in names])


def trail(
    harness: EngineHarness,
    process_instance_key: int | None = None,
    *,
    flows: bool = True,
    element_types: Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """The (element id, intent) lifecycle trail, optionally of one instance, optionally without flows."""
    types = set(element_types) if element_types is not None else None
    result = []
    for record in harness.history():
        if record.value_type != "PROCESS_INSTANCE":
            continue
        if process_instance_key is not None and record.process_instance_key != process_instance_key:
            continue
        if not flows and record.intent == "SEQUENCE_FLOW_TAKEN":
            continue
        if types is not None and record.element_type not in types:
            continue
        result.append((record.element_id, record.intent))
    return result


_SHORT = {
    "ELEMENT_ACTIVATING": "activating",
    "ELEMENT_ACTIVATED": "activated",
    "ELEMENT_COMPLETING": "completing",
    "ELEMENT_COMPLETED": "completed",
    "ELEMENT_TERMINATING": "terminating",
    "ELEMENT_TERMINATED": "terminated",
    "SEQUENCE_FLOW_TAKEN": "taken",
}


def render(steps: list[tuple[str, str]]) -> str:
    """Compact text of a trail, one element per line with its consecutive intents: for failure output."""
    lines: list[str] = []
    last = None
    for element_id, intent in steps:
        short = _SHORT.get(intent, intent)
        if element_id == last:
            lines[-1] += f" {short}"
        else:
            lines.append(f"{element_id}: {short}")
            last = element_id
    return "\n".join(lines)


def lifecycle(element_id: str, *, end: str = "completed") -> list[tuple[str, str]]:
    """The usual four (or terminate) steps of one element, to write expected trails compactly."""
    if end == "completed":
        intents = ["ELEMENT_ACTIVATING", "ELEMENT_ACTIVATED", "ELEMENT_COMPLETING", "ELEMENT_COMPLETED"]
    elif end == "activated":
        intents = ["ELEMENT_ACTIVATING", "ELEMENT_ACTIVATED"]
    elif end == "terminated":
        intents = ["ELEMENT_ACTIVATING", "ELEMENT_ACTIVATED", "ELEMENT_TERMINATING", "ELEMENT_TERMINATED"]
    else:
        raise ValueError(end)
    return [(element_id, intent) for intent in intents]


def taken(flow_id: str) -> tuple[str, str]:
    return (flow_id, "SEQUENCE_FLOW_TAKEN")


def assert_trail(actual: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    assert actual == expected, (
        f"trail differs\n--- actual ---\n{render(actual)}\n--- expected ---\n{render(expected)}"
    )


def assert_trail_ends(actual: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    """The trail ends with exactly `expected`."""
    assert_trail(actual[-len(expected) :], expected)


def instance(harness: EngineHarness, key: int) -> InstanceState:
    state = harness.engine.get_process_instance(key)
    assert state is not None
    return state


def root_variables(harness: EngineHarness, key: int) -> dict[str, Any]:
    return dict(instance(harness, key).variables.get(key, {}))


def open_incidents(harness: EngineHarness, key: int | None = None) -> list[IncidentRecord]:
    return harness.engine.list_incidents(key)


class MemoryHarness:
    """The in-memory engine (isolated: state goes through JSON at every command)."""

    name = "memory"

    def __init__(self) -> None:
        from bizdevops.engine.core.memory import InMemoryEngine

        self._engine = InMemoryEngine(isolated=True)

    @property
    def engine(self) -> Engine:
        return self._engine

    def history(self) -> list[HistoryRecord]:
        return list(self._engine.store.history)

    def user_tasks(self, process_instance_key: int | None = None) -> list[UserTaskRecord]:
        return [
            t
            for t in self._engine.store.user_tasks.values()
            if process_instance_key is None or t.process_instance_key == process_instance_key
        ]

    def jobs(self, process_instance_key: int | None = None) -> list[JobRecord]:
        return [
            j
            for j in self._engine.store.jobs.values()
            if process_instance_key is None or j.process_instance_key == process_instance_key
        ]

    def timers(self) -> list[TimerRecord]:
        return sorted(self._engine.store.timers.values(), key=lambda t: t.key)

    def message_subscriptions(self) -> list[MessageSubscriptionRecord]:
        return sorted(self._engine.store.message_subscriptions.values(), key=lambda s: s.key)

    def advance(
        self, *, ms: int = 0, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> int:
        return self._engine.advance(ms=ms, seconds=seconds, minutes=minutes, hours=hours, days=days)

    def now(self) -> int:
        return self._engine.clock.now_ms()


class MemoryRestartHarness(MemoryHarness):
    """Like MemoryHarness, but every `.engine` access builds a new Engine on the same store, clock and keys:
    nothing may survive in the Engine object between commands (definition caches included)."""

    name = "memory-restart"

    @property
    def engine(self) -> Engine:
        from bizdevops.engine.core.memory import InMemoryEngine

        fresh = InMemoryEngine.__new__(InMemoryEngine)
        Engine.__init__(fresh, self._engine.store, self._engine.clock, self._engine.keys)
        self._engine = fresh
        return fresh
