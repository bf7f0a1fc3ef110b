"""Typed engine errors; the API maps them to HTTP statuses (404, 409, 400)."""

from __future__ import annotations

from bizdevops.engine.core.parser.validate import DeploymentRejected


class EngineError(Exception):
    """Base of the errors a caller can act on; `message` is safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(EngineError):
    """The addressed job, task, instance or definition does not exist (HTTP 404)."""


class Conflict(EngineError):
    """The object exists but is not in a state that allows the command (HTTP 409); nothing changed."""


class InvalidArgument(EngineError):
    """The command itself is malformed (HTTP 400)."""


class RunawayInstance(EngineError, RuntimeError):
    """An instance ran past the step budget without reaching a wait state (a loop without a task or event).

    The command fails and nothing is stored. An EngineError so callers answer 400 with the message instead of
    a server error; still a RuntimeError for code written when that was the type raised."""


__all__ = ["Conflict", "DeploymentRejected", "EngineError", "InvalidArgument", "NotFound", "RunawayInstance"]
