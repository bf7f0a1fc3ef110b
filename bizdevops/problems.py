"""RFC 7807 problem+json responses, the one error shape of every JSON endpoint."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

TITLES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def problem(status: int, detail: str, *, instance: str = "", **extra: Any) -> JsonResponse:
    """A problem+json response; `detail` must be safe to show to the caller."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "ERROR"),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update(extra)
    return JsonResponse(body, status=status, content_type="application/problem+json")
