"""Contract tests: Camunda's own clients against our live site (daphne on a free port, test database).

The server is another process, so test data must be committed: these tests use `committed_db` (pytest-django's
transactional_db: autocommit ORM access, flushed after each test, as tests/e2e does) and unique names (users,
process ids, job types), since the server outlives each test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.e2e.conftest import serve_project

REPO = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="session")
def api_site(django_db_setup, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """daphne serving the project on the test database with the clock API on; yields the base URL."""
    with serve_project(
        log_name="api-contract-daphne.log",
        ready_path="/v2/status",
        BIZDEVOPS_CLOCK_API="1",
        # long polls end within 3 s here, so fuzzed requestTimeouts cannot stall the suite
        BIZDEVOPS_API_MAX_WAIT_MS="3000",
    ) as base:
        yield base


@pytest.fixture
def committed_db(transactional_db) -> None:  # type: ignore[no-untyped-def]
    """ORM access in autocommit mode on the test database, so the live server sees what the test writes.

    Built on pytest-django's transactional_db, as tests/e2e's: the test database is always created (never the
    one DATABASE_URL names) and flushed after the test.
    """
    assert settings.DATABASES["default"]["NAME"].startswith("test_"), (
        "contract tests must use the test database"
    )


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
