"""The Celery app. Tasks only wake the engine; PostgreSQL holds the truth."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bizdevops.settings")

app = Celery("bizdevops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="bizdevops.ping_task")
def ping_task() -> str:
    """Round trip used by /healthz to see that a worker answers."""
    return "pong"
