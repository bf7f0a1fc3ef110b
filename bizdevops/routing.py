"""WebSocket routes. Each app adds its consumers here."""

from django.urls import path

from bizdevops.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
]
