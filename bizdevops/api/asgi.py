"""A lean ASGI path for the public API (/v2, /engine-rest, /oauth/token): one pool thread per request.

Django's ASGI handler runs every sync middleware hook through `sync_to_async` (two thread hops per
middleware, nine middlewares) on a thread created for each request, then the sync view on yet another hop,
and with CONN_MAX_AGE=0 opens a new database connection per request: 10-20 ms of a 6 ms request. Here the
body is read on the event loop, then the whole sync stack - request_started, the site's full middleware
chain (same headers, sessions, CSRF, locale as every page), the DRF view - runs in one call on a thread of
the API's pool (bizdevops.api.pool), whose database connection persists; the response goes back on the loop.
This is what a WSGI server does per request, so behaviour is the same as under the test client.

The chain is the site's MIDDLEWARE less what cannot touch an API request (API_SKIPPED_MIDDLEWARE), and its
MiddlewareMixin middlewares run in one loop (FlatMiddlewareChain) instead of two nested calls each.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core import signals
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response, response_for_exception
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.urls import set_script_prefix
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

from bizdevops.api import pool

log = logging.getLogger(__name__)

API_PREFIXES = ("/v2/", "/engine-rest/", "/oauth/token")


# Middleware of the site that has nothing to do on an API path (tests/api/test_asgi_chain.py holds them to it).
API_SKIPPED_MIDDLEWARE = frozenset(
    {
        # serves files under STATIC_URL only (and WHITENOISE_ROOT, unset), never /v2, /engine-rest, /oauth
        "whitenoise.middleware.WhiteNoiseMiddleware",
        # a store for django.contrib.messages, which no API view uses (it answers JSON, never a template
        # showing them); without the middleware a view calling messages.* would fail loudly, not silently
        "django.contrib.messages.middleware.MessageMiddleware",
    }
)


class ApiLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware, without looking for a language in the path when the URLconf has no i18n_patterns
    (the site's has none): the language from the path only counts with them, and finding it costs a regex
    and a lookup twice per request. With i18n_patterns it is LocaleMiddleware itself."""

    def process_request(self, request: HttpRequest) -> None:
        if is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]:
            return super().process_request(request)  # type: ignore[no-any-return]
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]:
            return super().process_response(request, response)  # type: ignore[no-any-return]
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


# Middleware of the site replaced on API paths by an equivalent that does less.
API_REPLACED_MIDDLEWARE = {"django.middleware.locale.LocaleMiddleware": ApiLocaleMiddleware}


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path in ("/v2", "/engine-rest")


class FlatMiddlewareChain:
    """Consecutive MiddlewareMixin middlewares in one loop, with the nested chain's exact semantics.

    Nested, each layer is `convert_exception_to_response(mw)` and `mw.__call__` runs process_request, the
    inner chain unless that returned a response, then process_response. So: a response from process_request
    goes back out through that layer's process_response and the outer ones'; an exception in process_request
    becomes a response (response_for_exception) that only the outer layers' process_response see; an
    exception in process_response replaces the response and the outer layers continue with it.
    """

    def __init__(self, middlewares: list[Any], inner: Any) -> None:
        self.middlewares = middlewares  # outermost first
        self.requests = [getattr(mw, "process_request", None) for mw in middlewares]
        self.responses = [getattr(mw, "process_response", None) for mw in middlewares]
        self.inner = inner  # never raises (convert_exception_to_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = None
        depth = len(self.middlewares)  # the layers whose process_response runs: [0, depth)
        for index, process_request in enumerate(self.requests):
            if process_request is None:
                continue
            try:
                response = process_request(request)
            except Exception as exc:  # noqa: BLE001 - as convert_exception_to_response does
                response, depth = response_for_exception(request, exc), index
                break
            if response:
                depth = index + 1
                break
        else:
            response = self.inner(request)
        for process_response in reversed(self.responses[:depth]):
            if process_response is None:
                continue
            try:
                response = process_response(request, response)
            except Exception as exc:  # noqa: BLE001 - as convert_exception_to_response does
                response = response_for_exception(request, exc)
        return response  # type: ignore[return-value]


def _is_plain_mixin(factory: Any) -> bool:
    """A MiddlewareMixin class whose __call__ is the mixin's own (so process_request/response say it all)."""
    return (
        isinstance(factory, type)
        and issubclass(factory, MiddlewareMixin)
        and factory.__call__ is MiddlewareMixin.__call__
    )


class ApiASGIHandler(ASGIHandler):
    """Django's ASGI handler with the sync middleware chain run on the API pool in one hop."""

    def __init__(self) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    def load_middleware(self, is_async: bool = False) -> None:
        """BaseHandler.load_middleware for sync use, on the API's middleware list, with runs of plain
        MiddlewareMixin middlewares flattened into FlatMiddlewareChain."""
        if is_async:
            raise ImproperlyConfigured("The API handler runs its middleware synchronously.")
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        run: list[Any] = []  # plain mixins not yet flattened, outermost first
        for path in reversed([p for p in settings.MIDDLEWARE if p not in API_SKIPPED_MIDDLEWARE]):
            factory = API_REPLACED_MIDDLEWARE.get(path) or import_string(path)
            plain = _is_plain_mixin(factory)
            if not plain and run:  # a middleware with its own __call__ wraps the run inside it
                handler, run = FlatMiddlewareChain(run, handler), []
            try:
                middleware = factory(
                    handler
                )  # a plain mixin's get_response goes unused (the flat chain calls)
            except MiddlewareNotUsed:
                continue
            if middleware is None:
                raise ImproperlyConfigured(f"Middleware factory {path} returned None.")
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            if plain:
                run.insert(0, middleware)
            else:
                handler = convert_exception_to_response(middleware)
        if run:
            handler = FlatMiddlewareChain(run, handler)
        self._middleware_chain = handler

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
