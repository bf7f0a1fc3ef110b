"""Production settings pass Django's deployment checks; the development defaults do not pretend to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _check_deploy(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # A clean production-like environment: nothing the test run itself sets (e.g. the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly reports).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIZDEVOPS_", "DEBUG", "DJANGO_"))}
    env.update(extra)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy() -> None:
    result = _check_deploy(
        {
            "SECRET_KEY": "x9" * 30 + "-production-like-secret-key-with-enough-entropy",
            "ALLOWED_HOSTS": "bizdevops.example.com",
            "DEBUG": "0",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_insecure_http_quickstart_settings_are_flagged_by_check_deploy() -> None:
    result = _check_deploy({"DEBUG": "1"})
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on
