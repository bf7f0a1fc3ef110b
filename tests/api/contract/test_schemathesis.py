"""schemathesis fuzzes every operation of our OpenAPI document against the live site: no 5xx allowed.

Runs the `st` CLI (schemathesis 4, a test-only dependency) with the `not_a_server_error` check, as an admin,
on a site holding deployed processes and running instances so that lookups also hit existing keys. The clock
endpoints are left out: pinning time would disturb the other tests sharing the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BUDGET_SECONDS = os.environ.get("BIZDEVOPS_FUZZ_SECONDS", "60")


def test_fuzzing_finds_no_server_error(api_site, site_user) -> None:  # type: ignore[no-untyped-def]
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    if st is None:
        pytest.skip("schemathesis is not installed (pip install schemathesis)")
    username, password = site_user("Admin")
    files = [("resources", (p.name, p.read_bytes())) for p in sorted(FIXTURES.iterdir())]
    assert requests.post(f"{api_site}/v2/deployments", files=files, auth=(username, password), timeout=30).ok
    for n in range(3):
        body = {"processDefinitionId": "api_flow", "variables": {"orderId": f"fuzz-{n}"}}
        assert requests.post(
            f"{api_site}/v2/process-instances", json=body, auth=(username, password), timeout=30
        ).ok
    result = subprocess.run(  # noqa: S603
        [
            st,
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            f"{api_site}/v2/api-docs/openapi.json",
            "--url",
            api_site,
            "-a",
            f"{username}:{password}",
            "-c",
            "not_a_server_error",
            "--max-time",
            BUDGET_SECONDS,
            "-w",
            "1",
            "--exclude-path",
            "/v2/clock",
            "--exclude-path",
            "/v2/clock/reset",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=int(BUDGET_SECONDS) + 120,
        check=False,
    )
    summary = result.stdout[-4000:]
    failures = result.stdout.find("FAILURES")
    assert result.returncode == 0, (
        result.stdout[failures : failures + 3000] if failures >= 0 else ""
    ) + summary
    assert "passed" in summary
