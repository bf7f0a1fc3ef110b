"""Incidents: a failure that stops a token until someone fixes the cause and resolves the incident."""

from __future__ import annotations

from bizdevops.engine.core.expressions import ExpressionError
from bizdevops.engine.core.records import ErrorType


class IncidentRaised(Exception):
    """Raised by a processor before it has made any side effect; the element stays where it is."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message

    @staticmethod
    def from_expression(
        exc: ExpressionError, error_type: str = ErrorType.EXTRACT_VALUE_ERROR
    ) -> IncidentRaised:
        return IncidentRaised(error_type, exc.message)
