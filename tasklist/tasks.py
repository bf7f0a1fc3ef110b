"""Celery beat task of the Tasklist: imports job-based user tasks every few seconds, as Camunda's Tasklist
importer does, so that a new one reaches the open lists of those who may see it (over the live socket) even
when nobody reads the Tasklist meanwhile. The views import before every read too; both are idempotent."""

from __future__ import annotations

from celery import shared_task

from bizdevops.celery import app
from tasklist.importer import import_job_tasks

IMPORT_INTERVAL_SECONDS = 2.0


@shared_task(name="tasklist.import_job_tasks", ignore_result=True)
def import_job_tasks_task() -> int:
    """Tasks added or closed by this run."""
    return import_job_tasks()


app.conf.beat_schedule.update(
    {
        "tasklist-import-job-tasks": {
            "task": "tasklist.import_job_tasks",
            "schedule": IMPORT_INTERVAL_SECONDS,
            "options": {"expires": IMPORT_INTERVAL_SECONDS * 5},
        }
    }
)
