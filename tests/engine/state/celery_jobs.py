"""Built-in job handler for the worker-crash test, imported by the Celery worker it starts (`-I`).

The first attempt records itself and then hangs (the test SIGKILLs the worker meanwhile); later attempts
record themselves and complete. Attempts are appended to the file named by $ENGINE_TEST_ATTEMPTS."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bizdevops.engine.tasks import register_job_handler


def slow_step(job: Any) -> dict[str, Any]:
    log = Path(os.environ["ENGINE_TEST_ATTEMPTS"])
    with log.open("a") as f:
        f.write(f"{job.job_key} {os.getpid()}\n")
    attempts = len(log.read_text().splitlines())
    if attempts == 1:
        time.sleep(300)  # mid-job: the test kills this worker now
    return {"done": True, "attempts": attempts}


register_job_handler("slow-step", slow_step, timeout_ms=2000)
