"""Browser-side hardening: framing, sniffing, CSP on pages; WebSockets refuse other origins and anonymous users."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from bizdevops.asgi import application


@pytest.mark.django_db
def test_pages_cannot_be_framed_or_sniffed(client: Client, role_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(role_user("Employee"))
    for url in ("/tasks/", "/modeler/", "/login/"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url


@pytest.mark.django_db
def test_pages_send_a_content_security_policy(client: Client, role_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(role_user("Employee"))
    policy = client.get("/tasks/").get("Content-Security-Policy", "")
    assert "script-src" in policy or "default-src" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[-1].split(";")[0]


@pytest.mark.django_db(transaction=True)
def test_websocket_from_another_origin_is_refused(make_user) -> None:  # type: ignore[no-untyped-def]
    # given a logged-in employee's browser visiting an attacker's page (cross-site WebSocket hijacking)
    employee = make_user("ws-victim", "Employee")

    async def connect(origin: bytes) -> bool:
        communicator = WebsocketCommunicator(application, "/ws/tasks/", headers=[(b"origin", origin)])
        communicator.scope["user"] = employee
        connected, _ = await communicator.connect()
        await communicator.disconnect()
        return bool(connected)

    def run(origin: bytes) -> bool:
        # its own thread: a Playwright test earlier in the session leaves an event loop in this one
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(async_to_sync(connect), origin).result(timeout=10)

    # then a socket from the attacker's origin is refused, while the site's own origin connects
    assert run(b"https://evil.example") is False
    assert run(b"http://127.0.0.1") is True
