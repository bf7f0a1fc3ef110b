"""Password guessing protection: after repeated failures a (username, address) pair is locked for a while.

Every password check (the login page, HTTP Basic on the API) goes through Django's authenticate(), so one
backend covers all of them. Counters live in Django's cache (per process without a shared cache backend).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

FAILURE_LIMIT = getattr(settings, "LOGIN_FAILURE_LIMIT", 5)
LOCKOUT_SECONDS = getattr(settings, "LOGIN_LOCKOUT_SECONDS", 15 * 60)


def _client_address(request: Any) -> str:
    meta = getattr(request, "META", None) or {}
    return str(meta.get("REMOTE_ADDR", "unknown"))


def _key(username: str | None, request: Any) -> str:
    raw = f"{(username or '').strip().lower()}|{_client_address(request)}"
    return "login-failures:" + hashlib.sha256(raw.encode()).hexdigest()


def is_locked(username: str | None, request: HttpRequest | Any) -> bool:
    """Whether this username may not try a password from this address right now."""
    return int(cache.get(_key(username, request), 0)) >= FAILURE_LIMIT


def record_failure(username: str | None, request: Any) -> None:
    key = _key(username, request)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, LOCKOUT_SECONDS)
    else:
        cache.touch(key, LOCKOUT_SECONDS)


def reset(username: str | None, request: Any) -> None:
    cache.delete(_key(username, request))


class LockoutModelBackend(ModelBackend):
    """ModelBackend that refuses (even a right password) while the pair is locked, and counts failures."""

    def authenticate(  # type: ignore[override]
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get(self._username_field())
        if is_locked(username, request):
            # PermissionDenied stops Django from trying the other backends.
            raise PermissionDenied("Too many failed login attempts.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            if password is not None:
                record_failure(username, request)
        else:
            reset(username, request)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return str(get_user_model().USERNAME_FIELD)
