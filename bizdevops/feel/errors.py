"""Errors raised by the FEEL parser and by strict evaluation."""

from __future__ import annotations


class FeelSyntaxError(ValueError):
    """Text that is not FEEL. ``position`` is a 0-based offset; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, text: str, position: int) -> None:
        position = max(0, min(position, len(text)))
        self.message = message
        self.position = position
        self.line = text.count("\n", 0, position) + 1
        self.column = position - (text.rfind("\n", 0, position) + 1) + 1
        self.text = text
        super().__init__(f"{message} (line {self.line}, column {self.column})")


class FeelEvaluationError(ValueError):
    """Raised by ``evaluate_strict`` when evaluation produced an error (FEEL would give null)."""

    def __init__(self, message: str, warnings: tuple[str, ...] = ()) -> None:
        self.message = message
        self.warnings = warnings
        super().__init__(message)
