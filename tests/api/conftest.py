"""API fixtures: an authenticated DRF client per role, API clients with bearer tokens."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

PASSWORD = "pw-for-tests-123"


def basic(username: str, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # PBKDF2's deliberate cost is a second per test here; the hash algorithm is not what these tests test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttle_cache() -> None:
    # throttling counts live in the local-memory cache, which outlives a test
    cache.clear()


@pytest.fixture
def api(make_user) -> Callable[..., APIClient]:  # type: ignore[no-untyped-def]
    """api("Developer") → a client logged in over HTTP Basic as a new user with that role."""

    def make(*roles: str, username: str | None = None) -> APIClient:
        name = username or ("u-" + "-".join(roles).lower() if roles else "u-none")
        make_user(name, *roles, password=PASSWORD)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=basic(name))
        client.username = name  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def admin_api(api) -> APIClient:  # type: ignore[no-untyped-def]
    return api("Admin", username="boss")
