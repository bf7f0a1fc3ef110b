"""Start events (none, message, timer, signal, and the starts of event subprocesses). A triggered start
carries the event's variables as payload; they are merged when it completes."""

from __future__ import annotations

from bizdevops.engine.core.elements.base import ElementProcessor


class StartEventProcessor(ElementProcessor):
    """Pass through: the trigger already happened when a start event is activated."""
