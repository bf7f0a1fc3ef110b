"""A lean ASGI path for the public API (/v2, /engine-rest, /oauth/token): one pool thread per request.

Django's ASGI handler runs every sync middleware hook through `sync_to_async` (two thread hops per
middleware, nine middlewares) on a thread created for each request, then the sync view on yet another hop,
and with CONN_MAX_AGE=0 opens a new database connection per request: 10-20 ms of a 6 ms request. Here the
body is read on the event loop, then the whole sync stack - request_started, the site's full middleware
chain (same headers, sessions, CSRF, locale as every page), the DRF view - runs in one call on a thread of
the API's pool (bizdevops.api.pool), whose database connection persists; the response goes back on the loop.
This is what a WSGI server does per request, so behaviour is the same as under the test client.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core import signals
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import response_for_exception
from django.http import HttpResponse
from django.urls import set_script_prefix

from bizdevops.api import pool

log = logging.getLogger(__name__)

API_PREFIXES = ("/v2/", "/engine-rest/", "/oauth/token")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path in ("/v2", "/engine-rest")


class ApiASGIHandler(ASGIHandler):
    """Django's ASGI handler with the sync middleware chain run on the API pool in one hop."""

    def __init__(self) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        # No ThreadSensitiveContext: nothing here uses thread-sensitive sync_to_async (it would create a
        # thread per request); sync code runs on the pool.
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        from django.core.exceptions import RequestAborted

        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await pool.run(self._respond, scope, body_file)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            await self.send_response(response, send)
        finally:
            body_file.close()
        if response.streaming:  # closed once its content has been sent (request_finished on a pool thread)
            await pool.run(response.close)

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponse:
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            return error_response  # type: ignore[no-any-return]
        try:
            with pool.working():
                response: HttpResponse = self.get_response(request)
        except Exception as exc:  # the middleware chain converts exceptions; this is a last resort
            log.exception("API request failed outside the middleware chain")
            response = response_for_exception(request, exc)
        if not response.streaming:
            # The body is rendered (bytes in memory): close it here (request_finished and its
            # close_old_connections) instead of in a second thread hop after sending, as WSGI servers do.
            response.close()
        return response


class ApiRouter:
    """Send API paths to `api`, everything else (pages, static, WebSockets) to `site`."""

    def __init__(self, site: Any, api: Any | None = None) -> None:
        self.site = site
        self.api = api or ApiASGIHandler()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and is_api_path(scope.get("path", "")):
            await self.api(scope, receive, send)
        else:
            await self.site(scope, receive, send)
