"""Contract tests: Camunda's own clients against our live site (daphne on a free port, test database).

The server is another process, so test data must be committed: these tests use `committed_db` (autocommit ORM
access, as tests/e2e does) and unique names (users, process ids, job types) instead of rollbacks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.e2e.conftest import _database_url, _free_port

REPO = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="session")
def api_site(django_db_setup, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """daphne serving the project on the test database with the clock API on; yields the base URL."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("contract tests need a server database (set DATABASE_URL)")
    port = _free_port()
    env = os.environ.copy()
    env.update(
        DATABASE_URL=_database_url(),
        DJANGO_SETTINGS_MODULE="bizdevops.settings_test",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        BIZDEVOPS_CLOCK_API="1",
        BIZDEVOPS_E2E_SERVER="1",
        # long polls end within 3 s here, so fuzzed requestTimeouts cannot stall the suite
        BIZDEVOPS_API_MAX_WAIT_MS="3000",
    )
    (REPO / "data").mkdir(exist_ok=True)
    log = open(REPO / "data" / "api-contract-daphne.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "bizdevops.asgi:application"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/v2/status", timeout=1)  # noqa: S310
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"daphne did not start; see {log.name}") from None
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def site_user(committed_db) -> Callable[..., tuple[str, str]]:  # type: ignore[no-untyped-def]
    """A committed user with roles: returns (username, password)."""
    from django.contrib.auth.models import Group, User

    def make(*roles: str) -> tuple[str, str]:
        password = f"pw-{uuid.uuid4().hex[:12]}"
        user = User.objects.create_user(username=f"api-{uuid.uuid4().hex[:6]}", password=password)
        for role in roles:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user.username, password

    return make


@pytest.fixture
def resources(tmp_path, unique) -> Callable[..., list[Path]]:  # type: ignore[no-untyped-def]
    """Copies of the fixture files with process ids, job types, message and form ids made unique."""

    def make(*names: str) -> list[Path]:
        paths = []
        for name in names:
            text = (FIXTURES / name).read_text()
            for word in (
                "api_service",
                "api_flow",
                "api_signal",
                "api_discount",
                "api-work",
                "api-prepare",
                "api-approve-form",
                "api-go",
            ):
                text = text.replace(word, f"{word}_{unique}")
            path = tmp_path / name.replace(".", f"_{unique}.", 1)
            path.write_text(text)
            paths.append(path)
        return paths

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Overrides tests/api's: the live server must be able to check the hashes this process writes."""
