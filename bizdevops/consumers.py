"""A minimal authenticated WebSocket used by the health page and tests to see that Channels works."""

from channels.generic.websocket import JsonWebsocketConsumer


class PingConsumer(JsonWebsocketConsumer):
    """Echoes {"type": "ping"} with a pong, for logged-in users only."""

    def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            self.close(code=4401)
            return
        self.accept()

    def receive_json(self, content, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(content, dict) and content.get("type") == "ping":
            self.send_json({"type": "pong", "user": self.scope["user"].get_username()})
