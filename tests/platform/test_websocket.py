"""Channels is wired: logged-in users get a WebSocket, anonymous ones are refused."""

from __future__ import annotations

from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from bizdevops.consumers import PingConsumer


def test_logged_in_user_gets_pong(analyst) -> None:  # type: ignore[no-untyped-def]
    from asgiref.sync import async_to_sync

    async def scenario() -> dict:
        communicator = WebsocketCommunicator(PingConsumer.as_asgi(), "/ws/ping/")
        communicator.scope["user"] = analyst
        connected, _ = await communicator.connect()
        assert connected
        await communicator.send_json_to({"type": "ping"})
        reply = await communicator.receive_json_from()
        await communicator.disconnect()
        return reply

    assert async_to_sync(scenario)() == {"type": "pong", "user": "ana"}


def test_anonymous_user_is_refused(db) -> None:  # type: ignore[no-untyped-def]
    from asgiref.sync import async_to_sync

    async def scenario() -> tuple[bool, int | None]:
        communicator = WebsocketCommunicator(PingConsumer.as_asgi(), "/ws/ping/")
        communicator.scope["user"] = AnonymousUser()
        connected, code = await communicator.connect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert not connected
    assert code == 4401
