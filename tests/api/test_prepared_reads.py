"""The per-request reads run as prepared statements (bizdevops.prepared) outside the test's transaction, on
the API pool's own connections: a deactivated user, a changed password or a removed role still counts at
once, and a statement that a rollback deallocated is prepared again."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection, transaction

from bizdevops import prepared
from bizdevops.api import pool
from bizdevops.api.asgi import ApiASGIHandler
from tests.api.conftest import PASSWORD, basic
from tests.api.test_asgi_chain import _asgi

ACTIVATE = json.dumps(
    {"type": "prepared-reads", "timeout": 1000, "maxJobsToActivate": 1, "requestTimeout": 1}
)


@pytest.fixture
def handler(settings) -> Any:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield ApiASGIHandler()
    pool.close_connections()  # the slots keep their connections; the test database is dropped after


def _activate(handler: ApiASGIHandler, username: str, password: str = PASSWORD) -> int:
    headers = {"Authorization": basic(username, password), "Content-Type": "application/json"}
    return int(_asgi(handler, "POST", "/v2/jobs/activation", headers, ACTIVATE.encode())[0])


def _prepared_in_some_session(fragment: str) -> bool:
    names = {prepared.statement_name(text) for sql, text in list(prepared._texts.items()) if fragment in sql}
    return any(names & set(known.names) for known in list(prepared._sessions.values()))


@pytest.mark.django_db(transaction=True)
def test_basic_auth_through_the_prepared_read_sees_every_change_at_once(handler, make_user) -> None:  # type: ignore[no-untyped-def]
    # given a developer whose credentials were just accepted (and are now in the in-process cache)
    user: User = make_user("prepared-dev", "Developer", password=PASSWORD)
    assert _activate(handler, "prepared-dev") == 200
    assert _activate(handler, "prepared-dev") == 200  # from the cache: the user is read again
    assert _prepared_in_some_session('FROM "auth_user"')  # by the fast path, not the cursor fallback
    # when the role is taken away, then the same credentials may no longer work jobs
    user.groups.remove(Group.objects.get(name="Developer"))
    assert _activate(handler, "prepared-dev") == 403
    user.groups.add(Group.objects.get(name="Developer"))
    assert _activate(handler, "prepared-dev") == 200
    # when the password changes, then the old one is refused and the new one accepted
    user.set_password("a-new-password-456")
    user.save()
    assert _activate(handler, "prepared-dev") == 401
    assert _activate(handler, "prepared-dev", "a-new-password-456") == 200
    # when the user is deactivated, then the cached credentials are refused
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert _activate(handler, "prepared-dev", "a-new-password-456") == 401


@pytest.mark.django_db(transaction=True)
def test_a_statement_deallocated_by_a_rollback_is_prepared_again(make_user) -> None:  # type: ignore[no-untyped-def]
    # given a prepared read on this connection (autocommit, outside any transaction)
    make_user("prepared-reader")
    sql = 'SELECT "auth_user"."username" FROM "auth_user" WHERE "auth_user"."username" = %s'
    assert prepared.prepared_rows(sql, ["prepared-reader"]) == [("prepared-reader",)]
    # when every statement of the session is deallocated (DEALLOCATE ALL)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    # then the next read prepares it again and answers the same
    assert prepared.prepared_rows(sql, ["prepared-reader"]) == [("prepared-reader",)]
    # and inside a transaction the fast path steps aside (the caller's cursor runs the query)
    with transaction.atomic():
        assert prepared.prepared_rows(sql, ["prepared-reader"]) is None


@pytest.mark.django_db(transaction=True)
def test_a_failing_prepared_read_raises_djangos_database_error() -> None:
    from django.db import DatabaseError

    with pytest.raises(DatabaseError):
        prepared.prepared_rows("SELECT 1 / (%s::int - 1)", [1])
    # the session goes on
    assert prepared.prepared_rows("SELECT %s::int + 1", [1]) == [(2,)]
