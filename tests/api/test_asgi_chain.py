"""The API's own ASGI path (bizdevops.api.asgi) answers exactly as the site's full middleware chain does: the
middleware it skips and the flattened chain it runs change no status, body, header or cookie."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

from bizdevops.api.asgi import (
    API_REPLACED_MIDDLEWARE,
    API_SKIPPED_MIDDLEWARE,
    ApiASGIHandler,
    FlatMiddlewareChain,
)
from tests.api.conftest import PASSWORD, basic

# -- the flat chain keeps the nested chain's semantics ------------------------------------------------------


def _recording(name: str, log: list[str], *, answer: str = "", fail: str = "") -> type[MiddlewareMixin]:
    """A MiddlewareMixin that logs its hooks; `answer`/`fail` name the hook ("request"/"response") that
    answers early or raises."""

    class Recording(MiddlewareMixin):
        def process_request(self, request: HttpRequest) -> HttpResponse | None:
            log.append(f"{name}.request")
            if fail == "request":
                raise ValueError(name)
            return HttpResponse(f"from {name}") if answer == "request" else None

        def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
            log.append(f"{name}.response:{response.status_code}")
            if fail == "response":
                raise ValueError(name)
            response[f"X-{name}"] = "seen"
            return response

    return Recording


def _run(flat: bool, specs: list[dict[str, str]], view_fails: bool) -> tuple[list[str], int, dict[str, str]]:
    from django.core.handlers.exception import convert_exception_to_response

    log: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        log.append("view")
        if view_fails:
            raise ValueError("view")
        return HttpResponse("view")

    classes = [_recording(f"m{i}", log, **spec) for i, spec in enumerate(specs)]
    inner = convert_exception_to_response(view)
    if flat:
        chain: Any = FlatMiddlewareChain([cls(inner) for cls in classes], inner)
    else:
        chain = inner
        for cls in reversed(classes):
            chain = convert_exception_to_response(cls(chain))
    request = HttpRequest()
    request.method, request.path = "GET", "/v2/x"
    response = chain(request)
    return log, response.status_code, {k: v for k, v in response.items() if k.startswith("X-")}


@pytest.mark.parametrize(
    ("specs", "view_fails"),
    [
        ([{}, {}, {}], False),
        ([{}, {}, {}], True),
        ([{}, {"answer": "request"}, {}], False),
        ([{}, {"fail": "request"}, {}], False),
        ([{"fail": "request"}, {}, {}], False),
        ([{}, {"fail": "response"}, {}], False),
        ([{"fail": "response"}, {}, {"fail": "response"}], True),
    ],
)
def test_the_flat_chain_runs_hooks_and_turns_errors_into_responses_as_the_nested_chain(
    specs: list[dict[str, str]], view_fails: bool
) -> None:
    assert _run(True, specs, view_fails) == _run(False, specs, view_fails)


def test_the_api_chain_skips_only_middleware_that_cannot_act_on_an_api_path(settings) -> None:  # type: ignore[no-untyped-def]
    handler = ApiASGIHandler()
    kept = [p for p in settings.MIDDLEWARE if p not in API_SKIPPED_MIDDLEWARE]
    assert len(kept) == len(settings.MIDDLEWARE) - 2
    assert isinstance(handler._middleware_chain, FlatMiddlewareChain)  # every kept one is a plain mixin
    expected = [API_REPLACED_MIDDLEWARE.get(p) or import_string(p) for p in kept]
    assert [type(m) for m in handler._middleware_chain.middlewares] == expected
    for path, replacement in API_REPLACED_MIDDLEWARE.items():  # a subclass: the same hooks, less work
        assert issubclass(replacement, import_string(path))


# -- whole requests: the API's ASGI path against the test client's full chain --------------------------------


def _asgi(handler: ApiASGIHandler, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    """(status, headers as a lower-case dict, cookies as {name: value}, body) through `handler`."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"host", b"testserver"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443),
    }
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    with ThreadPoolExecutor(max_workers=1) as executor:  # a fresh event loop, whatever ran before
        executor.submit(async_to_sync(handler), scope, receive, send).result(timeout=30)
    start = messages[0]
    header_list = [(k.decode().lower(), v.decode()) for k, v in start["headers"]]
    cookies = {v.split("=", 1)[0] for k, v in header_list if k == "set-cookie"}
    plain = {k: v for k, v in header_list if k != "set-cookie"}
    content = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], plain, cookies, content


def _client(client: Client, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k != "Content-Type"}
    response = client.generic(
        method, path, body, content_type=headers.get("Content-Type", ""), secure=True, **extra
    )
    plain = {k.lower(): v for k, v in response.items()}
    return response.status_code, plain, set(response.cookies), response.content


@pytest.fixture
def _pool_connections_closed() -> Any:
    from bizdevops.api import pool

    yield
    pool.close_connections()  # the API pool's slots keep theirs open; the test database is dropped after


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_pool_connections_closed")
def test_api_requests_answer_as_through_the_full_middleware_chain(make_user, settings) -> None:  # type: ignore[no-untyped-def]
    # given HTTPS settings (HSTS), an API user, and a browser session of another user
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_SSL_REDIRECT = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_user("chain-dev", "Developer", password=PASSWORD)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("chain-browser", "Developer", password=PASSWORD))
    session = browser.cookies["sessionid"].value
    csrf = _get_new_csrf_string()
    handler = ApiASGIHandler()  # built under these settings, as the site's would be
    auth = {"Authorization": basic("chain-dev")}
    json = {"Content-Type": "application/json"}
    cookie = {"Cookie": f"sessionid={session}"}
    requests = [
        ("GET", "/v2/topology", auth, b""),
        ("GET", "/v2/topology", {**auth, "Accept-Language": "ko"}, b""),
        ("GET", "/v2/topology", {}, b""),  # 401 with WWW-Authenticate
        ("GET", "/v2/topology", {"Authorization": basic("chain-dev", "wrong")}, b""),
        ("GET", "/v2/no-such-endpoint", auth, b""),
        ("POST", "/v2/process-instances", {**auth, **json}, b"{not json"),
        ("POST", "/v2/process-instances", {**auth, **json}, b'{"processDefinitionId": "nope"}'),
        ("GET", "/v2/topology", cookie, b""),  # a session may read
        ("POST", "/v2/process-instances", {**cookie, **json}, b"{}"),  # ... but not write without CSRF
        (
            "POST",
            "/v2/process-instances",
            {
                "Cookie": f"sessionid={session}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Referer": "https://testserver/tasks/",
                **json,
            },
            b"{}",
        ),
    ]
    for method, path, headers, body in requests:
        # when the same request goes through the API's ASGI path and through the test client
        through_api = _asgi(handler, method, path, headers, body)
        client = Client(enforce_csrf_checks=True)
        through_site = _client(client, method, path, headers, body)
        # then status, headers, cookies and body are the same
        assert through_api == through_site, (method, path, headers)
        # and the security headers are there
        assert through_api[1]["x-content-type-options"] == "nosniff"
        assert through_api[1]["x-frame-options"] == "DENY"
        assert "max-age=3600" in through_api[1]["strict-transport-security"]
        assert "content-security-policy" in through_api[1]
    statuses = [_asgi(handler, m, p, h, b)[0] for m, p, h, b in requests]
    assert statuses == [200, 200, 401, 401, 404, 400, 404, 200, 403, 400]
