"""The base of every API view: auth (Basic, bearer, session with CSRF), JSON only, problem+json errors."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from bizdevops.api.errors import ApiProblem, exception_handler
from bizdevops.identity.authentication import BearerTokenAuthentication, CachedBasicAuthentication

KEY_PATTERN = re.compile(r"[0-9]{1,19}")

_PLAIN_JSON_ACCEPTS = frozenset({"*/*", "application/json"})

AUTHENTICATION = [CachedBasicAuthentication, BearerTokenAuthentication, SessionAuthentication]


class ApiView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self) -> Any:
        return exception_handler

    def perform_content_negotiation(self, request: Any, force: bool = False) -> Any:
        """DRF's negotiation, answered without parsing for what job workers send (no Accept, */* or
        application/json, no ?format=) when JSON is the only renderer: DRF's own answer in those cases."""
        if (
            request.META.get("HTTP_ACCEPT", "*/*") in _PLAIN_JSON_ACCEPTS
            and self.renderer_classes == [JSONRenderer]
            and not self.format_kwarg
            and "format" not in request.GET
        ):
            return (JSONRenderer(), JSONRenderer.media_type)
        return super().perform_content_negotiation(request, force)

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            release_connection(request)


def release_connection(request: Any) -> None:
    """Close this thread's database connection after an ASGI request.

    Under ASGI every request runs its sync code on a fresh thread, so a persistent connection
    (CONN_MAX_AGE > 0) is never reused but stays open until the thread object is collected: under load that
    exhausts PostgreSQL's max_connections ("too many clients"). Closing at the end of the request is what
    Django recommends for ASGI (CONN_MAX_AGE=0); WSGI, the test client and the API's own thread pool
    (bizdevops.api.pool, whose threads live on) keep their connection."""
    from django.core.handlers.asgi import ASGIRequest

    from bizdevops.api.pool import in_pool_thread

    if isinstance(request, ASGIRequest) and not in_pool_thread() and not connection.in_atomic_block:
        connection.close()


def body(request: Request) -> dict[str, Any]:
    """The JSON object body ({} when empty); 400 for any other JSON value."""
    data = request.data
    if data is None or data == {} or (hasattr(data, "dict") and not data):
        return {}
    if not isinstance(data, dict):
        raise ApiProblem(400, "Expected a JSON object body.")
    return data


def parse_key(value: Any, name: str) -> int:
    """A key from a path or body: digits (string or number) within int64."""
    if isinstance(value, bool):
        raise ApiProblem(400, f"{name}: expected a key")
    text = str(value)
    # ASCII digits only: str.isdigit() also accepts superscripts and other scripts' digits
    if not KEY_PATTERN.fullmatch(text) or int(text) >= 2**63:
        raise ApiProblem(400, f"{name}: expected a key (a string of digits), got {value!r}")
    return int(text)


def max_wait_ms() -> int:
    """The longest a long poll or awaitCompletion may hold a request (BIZDEVOPS_API_MAX_WAIT_MS, default 60 s)."""
    import os

    try:
        return max(0, int(os.environ.get("BIZDEVOPS_API_MAX_WAIT_MS", "60000")))
    except ValueError:
        return 60_000


def key_str(value: int | None) -> str | None:
    return None if value is None else str(value)
