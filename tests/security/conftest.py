"""Security test fixtures: one user per role plus an outsider, and a DB snapshot helper."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from tests.modeler.conftest import workspace  # noqa: F401  (re-exported fixture)

ROLES = ("Admin", "Developer", "Analyst", "Employee", "Manager", "Operator")
ALL_ROLES = (*ROLES, "outsider")
PASSWORD = "pw-for-tests-123"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # PBKDF2's deliberate cost would dominate these tests; hashing strength is not what they test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # throttle counters live in the cache, which outlives a test
    cache.clear()


@pytest.fixture
def role_user(make_user):  # type: ignore[no-untyped-def]
    """role_user("Employee") → a user in that role group; "outsider" → a user in no group."""

    def make(role: str, username: str | None = None) -> User:
        name = username or f"sec-{role.lower()}"
        existing = User.objects.filter(username=name).first()
        if existing is not None:
            return existing
        return make_user(name, *(() if role == "outsider" else (role,)), password=PASSWORD)

    return make
