"""Manual task and undefined task (bpmn:task): the engine passes through them."""

from __future__ import annotations

from bizdevops.engine.core.elements.base import ElementProcessor


class ManualTaskProcessor(ElementProcessor):
    """Pass through (input/output mappings and boundary events still apply)."""


class UndefinedTaskProcessor(ElementProcessor):
    """bpmn:task without a type: pass through, as Zeebe does."""
