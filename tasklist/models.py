"""Tasklist's own data: saved views, form drafts, comments and the audit trail of task actions.

Tasks themselves live in the engine (`engine.UserTask`); these rows refer to them by their stable key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A named filter a user saved, kept server-side so it follows them from browser to browser."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_views")
    name = models.CharField(_("name"), max_length=100)
    filters = models.JSONField(default=dict, help_text="the normalized TaskFilter as a dict")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="tasklist_view_unique_name")]

    def __str__(self) -> str:
        return self.name


class TaskDraft(models.Model):
    """A half-filled form of one task by one user; deleted when the task is completed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    task_key = models.BigIntegerField()
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "task_key"], name="tasklist_draft_unique")]

    def __str__(self) -> str:
        return f"Draft of task {self.task_key}"


class TaskComment(models.Model):
    """A comment on a task, visible to everyone who may see the task."""

    task_key = models.BigIntegerField()
    process_instance_key = models.BigIntegerField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["task_key", "created_at"], name="tasklist_comment_task")]

    def __str__(self) -> str:
        return f"Comment on task {self.task_key}"


class TaskEvent(models.Model):
    """Who did what to a task through the Tasklist (claim, assign, follow-up, complete): the human side of
    the engine's history, which knows intents but not always the person behind them."""

    class Action(models.TextChoices):
        CLAIMED = "claimed", _("claimed")
        UNCLAIMED = "unclaimed", _("unclaimed")
        ASSIGNED = "assigned", _("assigned")
        FOLLOW_UP = "follow_up", _("set the follow-up date")
        COMPLETED = "completed", _("completed")
        COMMENTED = "commented", _("commented")

    task_key = models.BigIntegerField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    detail = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["task_key", "created_at"], name="tasklist_event_task")]

    def __str__(self) -> str:
        return f"{self.action} task {self.task_key}"
