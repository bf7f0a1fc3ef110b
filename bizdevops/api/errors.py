"""Every error of the API as RFC 7807 problem+json: DRF exceptions, engine errors and unknown paths."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from bizdevops.engine.core.errors import Conflict, DeploymentRejected, EngineError, InvalidArgument, NotFound
from bizdevops.problems import problem

log = logging.getLogger(__name__)


class ApiProblem(exceptions.APIException):
    """Raise from a view to answer a problem with a given status and a detail safe to show."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status


def _flatten(detail: Any, prefix: str = "") -> list[str]:
    """DRF validation details ({field: [msg]}) as readable lines 'field: msg'."""
    if isinstance(detail, dict):
        lines: list[str] = []
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            lines.extend(_flatten(value, "" if key == "non_field_errors" else name))
        return lines
    if isinstance(detail, list):
        return [line for item in detail for line in _flatten(item, prefix)]
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def engine_error_status(exc: EngineError | DeploymentRejected) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    return 400


def exception_handler(exc: Exception, context: dict[str, Any]) -> JsonResponse | None:
    """DRF EXCEPTION_HANDLER of the API views: problem+json for everything, 500 without internals."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    if isinstance(exc, (EngineError, DeploymentRejected)):
        message = getattr(exc, "message", None) or str(exc)
        return problem(engine_error_status(exc), message, instance=instance)
    if isinstance(exc, (InvalidArgument,)):
        return problem(400, str(exc), instance=instance)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        response = drf_exception_handler(exc, context)
        status = exc.status_code
        if isinstance(exc, exceptions.ValidationError):
            detail = "; ".join(_flatten(exc.detail)) or "Invalid request."
        else:
            detail = "; ".join(_flatten(exc.detail)) if not isinstance(exc.detail, str) else str(exc.detail)
        result = problem(status, detail, instance=instance)
        if response is not None:
            for header in ("WWW-Authenticate", "Retry-After", "Allow"):
                if header in response:
                    result[header] = response[header]
        return result
    log.exception("unhandled API error at %s", instance)
    return problem(500, "An unexpected error occurred.", instance=instance)


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Catch-all for unknown API paths."""
    return problem(404, f"No such endpoint: {request.method} {request.path}", instance=request.path)
