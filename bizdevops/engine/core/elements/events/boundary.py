"""Boundary events: activated in the attached activity's scope once triggered (after the activity was
terminated, for interrupting ones); they complete at once and continue on their outgoing flows."""

from __future__ import annotations

from bizdevops.engine.core.elements.base import ElementProcessor


class BoundaryEventProcessor(ElementProcessor):
    """Pass through: the event's variables (payload) are merged on completion."""
