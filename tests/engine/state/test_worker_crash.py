"""A Celery worker SIGKILLed in the middle of a job loses nothing: PostgreSQL holds the job and its lock
deadline, the beat sweeper of the next worker finds the expired lock and runs the job again, and the
instance finishes. Redis is flushed in between to show it holds no state.

Real processes: `celery worker -B` (embedded beat) on Redis db 14 and the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from bizdevops.engine import selectors, services
from bizdevops.engine.state import models as m

HERE = Path(__file__).parent
ROOT = HERE.parent.parent.parent
REDIS_URL = os.environ.get("ENGINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")

pytestmark = [pytest.mark.django_db(transaction=True)]


def _redis_flush() -> bool:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        client.flushdb()
    except Exception:
        return False
    return True


def _database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def _start_worker(tmp: Path, name: str, attempts: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "bizdevops.settings_test",
        "ENGINE_TEST_ATTEMPTS": str(attempts),
        "PYTHONPATH": str(ROOT),
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    log = (tmp / f"{name}.log").open("wb")
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "bizdevops",
            "worker",
            "-B",
            "-s",
            str(tmp / f"{name}-beat"),
            "-c",
            "1",
            "-n",
            f"{name}@%h",
            "-I",
            "bizdevops.engine.tasks,tests.engine.state.celery_jobs",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches the pool children too
    )


def _kill(worker: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(worker.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    worker.wait(10)


def _wait_for(condition: Callable[[], bool], seconds: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in logs if p.exists())
    pytest.fail(f"timed out waiting for {what}\n{tails}")


def test_a_worker_killed_mid_job_loses_nothing(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL shared with a worker process")
    if not _redis_flush():
        pytest.skip(f"needs Redis at {REDIS_URL}")
    # given an instance whose service task is done by a built-in (Celery) handler
    services.deploy_resources(resources=[("processes.bpmn", (HERE / "processes.bpmn").read_bytes())])
    created = services.create_process_instance(bpmn_process_id="slow")
    key = created.process_instance_key
    attempts = tmp_path / "attempts.txt"
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    first = _start_worker(tmp_path, "first", attempts)
    second = None
    try:
        # when the first worker has taken the job and is in the middle of it
        _wait_for(
            lambda: attempts.exists() and attempts.read_text().strip() != "", 60, "the first attempt", logs
        )
        job = m.Job.objects.get(process_instance_key=key)
        assert job.state == "ACTIVATED"
        assert job.worker.startswith("celery@")
        # and it is killed with SIGKILL, and Redis forgets every queued task
        _kill(first)
        assert _redis_flush()
        assert m.ProcessInstance.objects.get(key=key).status == "ACTIVE"
        # then a new worker's sweeper finds the expired lock, runs the job again, and the instance finishes
        second = _start_worker(tmp_path, "second", attempts)
        _wait_for(
            lambda: m.ProcessInstance.objects.get(key=key).status == "COMPLETED",
            90,
            "the instance to finish",
            logs,
        )
    finally:
        _kill(first)
        if second is not None:
            _kill(second)
        _redis_flush()
    lines = attempts.read_text().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].split()[1] != lines[1].split()[1]  # two different worker processes
    assert m.Job.objects.get(process_instance_key=key).state == "COMPLETED"
    variables = selectors.get_instance_variables(process_instance_key=key)
    assert variables["done"] is True
    assert variables["attempts"] == 2
    completed = [
        r
        for r in selectors.list_history_records(process_instance_key=key)
        if r.element_id == "s_task" and r.intent == "ELEMENT_COMPLETED"
    ]
    assert len(completed) == 1
