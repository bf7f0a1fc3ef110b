"""Celery autodiscovery looks for `<app>.tasks`; the engine's tasks live in bizdevops.engine.tasks."""

from bizdevops.engine.tasks import (  # noqa: F401
    fire_due_timers_task,
    process_outbox_task,
    run_jobs_task,
    sweep_task,
)
