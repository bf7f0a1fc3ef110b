from django.apps import AppConfig


class TasklistConfig(AppConfig):
    """Task list, claiming, completion and approvals."""

    name = "tasklist"
    label = "tasklist"
    verbose_name = "Tasklist"
