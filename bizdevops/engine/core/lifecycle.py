"""The element instance lifecycle (Zeebe's ProcessInstanceIntent), checked on every transition."""

from __future__ import annotations

ACTIVATING = "ELEMENT_ACTIVATING"
ACTIVATED = "ELEMENT_ACTIVATED"
COMPLETING = "ELEMENT_COMPLETING"
COMPLETED = "ELEMENT_COMPLETED"
TERMINATING = "ELEMENT_TERMINATING"
TERMINATED = "ELEMENT_TERMINATED"
SEQUENCE_FLOW_TAKEN = "SEQUENCE_FLOW_TAKEN"

# from-state -> allowed next states. None is "no instance yet".
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({ACTIVATING}),
    ACTIVATING: frozenset({ACTIVATED, TERMINATING}),
    ACTIVATED: frozenset({COMPLETING, TERMINATING}),
    COMPLETING: frozenset({COMPLETED, TERMINATING}),
    COMPLETED: frozenset(),
    TERMINATING: frozenset({TERMINATED}),
    TERMINATED: frozenset(),
}
FINAL_STATES = frozenset({COMPLETED, TERMINATED})


class IllegalTransition(RuntimeError):
    """A processor tried a transition the lifecycle forbids: a bug, never a user error."""


def check_transition(element_id: str, current: str | None, new: str) -> None:
    if new not in TRANSITIONS[current]:
        raise IllegalTransition(f"{element_id}: illegal lifecycle transition {current} -> {new}")


def can_terminate(state: str) -> bool:
    return TERMINATING in TRANSITIONS[state]
