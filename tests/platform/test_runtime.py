"""The long-running processes freeze their start-up heap, so full garbage collections stop rescanning the
~150,000 objects Django leaves alive (bizdevops.runtime.freeze_startup_heap)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bizdevops.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_loading_the_asgi_site_freezes_its_start_up_heap() -> None:
    # when the ASGI application is loaded, as daphne and uvicorn load it
    frozen = int(_run("import gc, bizdevops.asgi; print(gc.get_freeze_count())"))

    # then Django's start-up objects sit in the permanent generation
    assert frozen > 50_000


def test_a_celery_worker_child_freezes_its_start_up_heap_once_started() -> None:
    # given Django and the Celery app loaded, nothing frozen yet
    out = _run(
        "import gc, django; django.setup(); from bizdevops.celery import app; "
        "from celery.signals import worker_process_init; "
        "before = gc.get_freeze_count(); worker_process_init.send(sender=None); "
        "print(before, gc.get_freeze_count())"
    )
    before, after = map(int, out.split())

    # when a pool child signals that it started, then its heap is frozen
    assert before == 0
    assert after > 50_000


def test_objects_made_after_start_up_are_still_collected() -> None:
    # given a frozen start-up heap, a reference cycle made afterwards and dropped
    out = _run(
        "import gc, weakref; from bizdevops.runtime import freeze_startup_heap; freeze_startup_heap()\n"
        "class Node: pass\n"
        "a, b = Node(), Node(); a.other, b.other = b, a; probe = weakref.ref(a); del a, b\n"
        "gc.collect(); print(probe() is None)"
    )

    # then the collector still frees it
    assert out == "True"
