"""Shared fixtures: users in each role group."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from bizdevops.identity.services import ROLES


@pytest.fixture
def role_groups(db) -> dict[str, Group]:  # type: ignore[no-untyped-def]
    return {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}


@pytest.fixture
def make_user(role_groups):  # type: ignore[no-untyped-def]
    def make(username: str, *roles: str, password: str = "pw-for-tests-123") -> User:
        user = User.objects.create_user(username=username, password=password)
        for role in roles:
            user.groups.add(role_groups[role])
        return user

    return make


@pytest.fixture
def analyst(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("ana", "Analyst")


@pytest.fixture
def employee(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user("kim", "Employee")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Login-failure counters and throttles live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
