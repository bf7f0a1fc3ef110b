"""`manage.py quickstart` (what `make run` calls) on the embedded default: SQLite, filesystem broker.

It must start daphne, a Celery worker and beat, report healthy, and stop every process on Ctrl-C.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_quickstart_runs_everything_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    # given a fresh data folder and no service configuration
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(BIZDEVOPS_DATA_DIR=str(tmp_path), DEBUG="1")
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "quickstart", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # when it has started, the health check sees the database, the broker and a worker
        deadline = time.monotonic() + 120  # a loaded 2-core CI machine can take over a minute
        status, body = 0, {}
        while time.monotonic() < deadline:
            try:
                status, body = _health(port)
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert status == 200, body
        assert body["checks"]["database"]["detail"] == "sqlite"
        assert body["checks"]["broker"]["detail"] == "filesystem"
        login = urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5)  # noqa: S310
        assert login.status == 200
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 3  # daphne, worker (+ its pool), beat
    finally:
        # then Ctrl-C stops every process it started
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    text = output.decode(errors="replace")
    assert f"http://localhost:{port}/" in text
    assert "demo       / demo" in text
    time.sleep(0.5)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
