from django.apps import AppConfig


class TasklistConfig(AppConfig):
    """Task list, claiming, completion and approvals."""

    name = "tasklist"
    label = "tasklist"
    verbose_name = "Tasklist"

    def ready(self) -> None:
        # The engine calls its listeners after commit; it imports nothing of the Tasklist.
        from bizdevops.engine.hooks import register_user_task_listener
        from tasklist.live import on_user_task

        register_user_task_listener(on_user_task)
