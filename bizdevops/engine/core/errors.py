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


class RetryUnit(BaseException):
    """Raised by a store inside a unit that it abandoned before anything was written: the unit began from a
    copy of the instance the store keeps between units (no lock, no read), and either that copy turned out
    outdated when the write checked it, or the unit needed a read that only a locked unit may make. The
    engine runs the unit again; the store then locks and reads the instance as usual.

    A BaseException, like GeneratorExit: code that turns failures into incidents (`except Exception`) must
    not mistake it for one."""


__all__ = [
    "Conflict",
    "DeploymentRejected",
    "EngineError",
    "InvalidArgument",
    "NotFound",
    "RetryUnit",
    "RunawayInstance",
]
