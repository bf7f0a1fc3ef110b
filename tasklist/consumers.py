"""The Tasklist's WebSocket: tells a browser that tasks it may see changed, so it re-reads its list."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tasklist import live


class TaskListConsumer(AsyncJsonWebsocketConsumer):
    """Joins the groups of the user (name, groups, admins) and forwards `task.changed` messages."""

    groups: list[str] = []

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.joined = await database_sync_to_async(self._groups_of)(user)
        # Join before accepting: no change can slip between the page load and the subscription.
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    @staticmethod
    def _groups_of(user: Any) -> list[str]:
        from tasklist.selectors import group_names, is_admin

        groups = [live.user_group(user.get_username())]
        groups += [live.role_group(name) for name in group_names(user)]
        if is_admin(user):
            groups.append(live.ADMIN_GROUP)
        return groups

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def task_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "task.changed", "key": event.get("key"), "intent": event.get("intent")})
