"""The Celery app. Tasks only wake the engine; PostgreSQL holds the truth."""

import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

from bizdevops.runtime import freeze_startup_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bizdevops.settings")

app = Celery("bizdevops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@worker_process_init.connect
def _freeze_startup_heap(**_: object) -> None:
    """The worker once started (every pool), and each prefork child after the fork: the start-up heap
    out of every full collection's way (frozen before the fork, it is also not copied on write)."""
    freeze_startup_heap()


@app.task(name="bizdevops.ping_task")
def ping_task() -> str:
    """Round trip used by /healthz to see that a worker answers."""
    return "pong"
