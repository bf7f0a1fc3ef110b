"""Tasklist's own data: saved views, form drafts, comments, the audit trail of task actions, and the
job-based user tasks it imported from the engine's jobs.

Native tasks live in the engine (`engine.UserTask`); these rows refer to them by their stable key. A
job-based user task (a bpmn:userTask without zeebe:userTask: a job of type `io.camunda.zeebe:userTask`) has
no task record in the engine; like Camunda's Tasklist, which imports such jobs into its own store and keeps
their assignment there (not in Zeebe), the Tasklist keeps a `JobTask` per job, keyed by the job key. Job and
user task keys come from one key space, so a task key names one or the other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobTaskState(models.TextChoices):
    """States of a job-based task (those of a native user task it can reach)."""

    CREATED = "CREATED", _("open")
    COMPLETED = "COMPLETED", _("completed")
    CANCELED = "CANCELED", _("canceled")


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


_OPEN = Q(state="CREATED")


class JobTask(models.Model):
    """A job-based user task as the Tasklist shows it: the job's element, headers (assignee, candidates,
    dates, form key) and process, plus what the Tasklist changed (assignee, follow-up date). Its fields are
    named as `engine.UserTask`'s, so lists, pages and forms treat both alike."""

    key = models.BigIntegerField(primary_key=True, help_text="the job key")
    element_id = models.CharField(max_length=256)
    name = models.CharField(max_length=512, blank=True, default="")
    state = models.CharField(max_length=16, choices=JobTaskState.choices, default="CREATED")
    assignee = models.CharField(max_length=256, blank=True, default="")
    candidate_users = models.JSONField(default=list)
    candidate_groups = models.JSONField(default=list)
    due_date = models.DateTimeField(null=True, blank=True)
    follow_up_date = models.DateTimeField(null=True, blank=True)
    due_date_text = models.CharField(max_length=64, blank=True, default="")
    follow_up_date_text = models.CharField(max_length=64, blank=True, default="")
    priority = models.IntegerField(default=50)
    form_key = models.CharField(max_length=512, blank=True, default="")
    form_id = models.CharField(max_length=256, blank=True, default="")
    form_definition_key = models.BigIntegerField(null=True, blank=True)
    embedded_form = models.TextField(blank=True, default="")
    custom_headers = models.JSONField(default=dict)
    element_instance_key = models.BigIntegerField()
    process_instance_key = models.BigIntegerField(db_index=True)
    process_definition_key = models.BigIntegerField()
    process_definition_version = models.PositiveIntegerField(default=1)
    bpmn_process_id = models.CharField(max_length=256)
    process_name = models.CharField(max_length=512, blank=True, default="")
    tenant_id = models.CharField(max_length=256, default="<default>")
    creation_date = models.DateTimeField()
    completion_date = models.DateTimeField(null=True, blank=True)
    completed_by = models.CharField(max_length=256, blank=True, default="")

    class Meta:
        ordering = ["-creation_date", "-key"]
        indexes = [
            models.Index(
                fields=["assignee", "-creation_date"], name="tasklist_jt_open_assignee", condition=_OPEN
            ),
            models.Index(fields=["state"], name="tasklist_jt_open", condition=_OPEN),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.element_id} #{self.key}"


class JobTaskCandidate(models.Model):
    """One candidate user or group of an open job-based task (as `engine.UserTaskCandidate`)."""

    KIND_USER = "user"
    KIND_GROUP = "group"

    task = models.ForeignKey(JobTask, on_delete=models.CASCADE, related_name="candidates")
    kind = models.CharField(max_length=8)
    name = models.CharField(max_length=256)

    class Meta:
        indexes = [models.Index(fields=["kind", "name"], name="tasklist_jtc_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["task", "kind", "name"], name="tasklist_jtc_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} of {self.task_id}"
