"""DRF authentication for the public API: HTTP Basic for users and OAuth bearer tokens for API clients.

Neither enforces CSRF: a browser never attaches these headers on its own, so a forged cross-site request
cannot carry them. Session-authenticated unsafe calls still go through DRF's SessionAuthentication, which does.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from bizdevops.identity.lockout import LOCKOUT_SECONDS, is_locked
from bizdevops.identity.tokens import resolve_token
from bizdevops.prepared import prepared_rows

# username+password digest -> (user pk, password hash at the time, monotonic expiry).
# Django's PBKDF2 costs ~100+ ms of CPU by design; a job worker calling every few ms with Basic auth would
# otherwise spend the machine on hashing. A hit is only trusted while the stored password hash is unchanged,
# so a password change or reset takes effect at once.
_BASIC_CACHE: dict[str, tuple[int, str, float]] = {}
_BASIC_CACHE_LOCK = threading.Lock()
_BASIC_CACHE_TTL = 300.0
_BASIC_CACHE_MAX = 1000


def _digest(username: str, password: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{username}\0{password}".encode(), hashlib.sha256
    ).hexdigest()


def _load_user_with_groups(pk: int) -> Any:
    """The active user `pk` with its group names, in one query (a LEFT JOIN on groups): the API checks the
    caller's role capabilities on every request, and each query counts under load. The names are kept on
    the user object for the request (`_api_groups`, read by bizdevops.api.permissions)."""
    model = get_user_model()
    fields = _user_fields(model)
    rows = _user_rows(model, fields, pk)
    if not rows:
        return None
    user = model.from_db(model.objects.db, fields, rows[0][:-1])
    user._api_groups = sorted({row[-1] for row in rows if row[-1] is not None})
    return user


_USER_FIELDS: dict[Any, list[str]] = {}


def _user_fields(model: Any) -> list[str]:
    fields = _USER_FIELDS.get(model)
    if fields is None:
        fields = _USER_FIELDS[model] = [field.attname for field in model._meta.concrete_fields]
    return fields


# The ORM spends ~1.2 ms of CPU building that SQL on every request; on PostgreSQL it is built once (per user
# model and database) and run as a prepared statement (bizdevops.prepared), else through a cursor as is.
# Values need no conversion there (elsewhere the ORM converts them).
_USER_SQL: dict[tuple[str, str], str | None] = {}


def _user_rows(model: Any, fields: list[str], pk: int) -> list[tuple[Any, ...]]:
    alias = model.objects.db
    cache_key = (alias, model._meta.label)
    sql = _USER_SQL.get(cache_key)
    if sql is None:
        query = model.objects.filter(pk=pk, is_active=True).values_list(*fields, "groups__name")
        if cache_key in _USER_SQL or connections[alias].vendor != "postgresql":
            return list(query)
        sql, params = query.query.sql_with_params()
        _USER_SQL[cache_key] = sql if params == (pk,) else None  # only the pk may be a parameter
        if params != (pk,):
            return list(query)
    rows = prepared_rows(sql, [pk], using=alias)
    if rows is not None:
        return rows
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [pk])
        return list(cursor.fetchall())


class CachedBasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic with a short-lived in-process cache of verified credentials."""

    www_authenticate_realm = "bizdevops"

    def authenticate_credentials(self, userid: str, password: str, request: Request | None = None) -> Any:
        # Locked after repeated failures (bizdevops.identity.lockout): 429, even for the right password and
        # even when it is cached, so guessing stays as slow as on the login page.
        if is_locked(userid, request):
            raise exceptions.Throttled(
                wait=LOCKOUT_SECONDS, detail="Too many failed password checks for this user; try again later."
            )
        digest = _digest(userid, password)
        now = time.monotonic()
        with _BASIC_CACHE_LOCK:
            hit = _BASIC_CACHE.get(digest)
        if hit is not None and hit[2] > now:
            user = _load_user_with_groups(hit[0])
            if user is not None and hmac.compare_digest(user.password, hit[1]):
                return (user, None)
        user, auth = super().authenticate_credentials(userid, password, request)
        with _BASIC_CACHE_LOCK:
            if len(_BASIC_CACHE) >= _BASIC_CACHE_MAX:
                _BASIC_CACHE.clear()
            _BASIC_CACHE[digest] = (user.pk, user.password, now + _BASIC_CACHE_TTL)
        return (user, auth)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>` issued by /oauth/token; acts as the client's service user."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid bearer header.")
        try:
            token = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid bearer header.") from None
        row = resolve_token(token)
        if row is None:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        return (row.client.service_user, row)

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="bizdevops"'
