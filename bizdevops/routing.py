"""WebSocket routes. Each app adds its consumers here."""

from django.urls import path

from bizdevops.consumers import PingConsumer
from tasklist.consumers import TaskListConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/tasks/", TaskListConsumer.as_asgi()),
]
