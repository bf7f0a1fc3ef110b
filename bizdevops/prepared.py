"""Small read queries that run on every API request, as server-side prepared statements in one libpq call.

The user behind HTTP Basic and the start restriction of a process are read on every request. Through a
Django cursor each costs ~150-200 us of the web process's CPU (cursor wrappers, psycopg's generators, the
client-side binding of Django's cursors, which also makes PostgreSQL parse and plan the statement every
time); one `PQexecPrepared` (which releases the GIL while it waits) with psycopg's own row loaders costs
~50 us and is planned once per database session.

Only on PostgreSQL, in autocommit outside any transaction (an error there aborts nothing, so a statement
that a rollback elsewhere deallocated can be prepared again and re-run), and when queries are not being
logged (DEBUG, assertNumQueries): otherwise `prepared_rows` answers None and the caller runs its query as
usual.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Sequence
from typing import Any

_PLACEHOLDER = re.compile(r"%([%s])")
# SQL (Django's %s placeholders) -> (statement name, SQL with $n placeholders); the same name in every session
_statements: dict[str, tuple[bytes, bytes]] = {}
_statements_lock = threading.Lock()
# psycopg connection -> names prepared in its session
_prepared: weakref.WeakKeyDictionary[Any, set[bytes]] = weakref.WeakKeyDictionary()

DUPLICATE_PREPARED_STATEMENT = b"42P05"
INVALID_SQL_STATEMENT_NAME = b"26000"  # deallocated since (DEALLOCATE ALL: the engine's cap, or anyone)


def _statement(sql: str) -> tuple[bytes, bytes]:
    known = _statements.get(sql)
    if known is None:
        numbers = iter(range(1, 1 << 16))
        dollar = _PLACEHOLDER.sub(lambda m: "%" if m[1] == "%" else f"${next(numbers)}", sql)
        with _statements_lock:
            known = _statements.setdefault(
                sql, (f"bizdevops_read_{len(_statements)}".encode(), dollar.encode())
            )
    return known


def _text(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"prepared_rows takes int and str parameters, not {type(value).__name__}")
    return str(value).encode()


def prepared_rows(sql: str, params: Sequence[Any], *, using: str = "default") -> list[tuple[Any, ...]] | None:
    """The rows of `sql` (a SELECT with Django's %s placeholders; `params` ints and strings) as a Django
    cursor would return them, or None when this path does not apply (see the module docstring)."""
    from django.conf import settings
    from django.db import connections

    conn = connections[using]
    if (
        conn.vendor != "postgresql"
        or conn.in_atomic_block
        or conn.queries_logged
        or not getattr(settings, "BIZDEVOPS_NAMED_STATEMENTS", True)  # behind a pooler that cannot keep them
    ):
        return None
    conn.ensure_connection()
    if not conn.get_autocommit():
        return None
    from psycopg import errors, pq
    from psycopg.adapt import Transformer

    pg = conn.connection
    if pg._pipeline is not None:
        return None
    name, text = _statement(sql)
    values = [_text(value) for value in params]
    with conn.wrap_database_errors, pg.lock:
        known = _prepared.get(pg)
        if known is None:
            known = _prepared[pg] = set()
        for attempt in (1, 2):
            if name not in known:
                prepared = pg.pgconn.prepare(name, text)
                if prepared.status != pq.ExecStatus.COMMAND_OK and (
                    prepared.error_field(pq.DiagnosticField.SQLSTATE) != DUPLICATE_PREPARED_STATEMENT
                ):
                    raise errors.error_from_result(prepared, encoding=pg.info.encoding)
                known.add(name)
            result = pg.pgconn.exec_prepared(name, values)
            if result.status == pq.ExecStatus.TUPLES_OK:
                loader = Transformer(pg)
                loader.set_pgresult(result)
                return loader.load_rows(0, result.ntuples, tuple)
            if attempt == 1 and result.error_field(pq.DiagnosticField.SQLSTATE) == INVALID_SQL_STATEMENT_NAME:
                known.discard(name)  # deallocated since (a rollback): prepare it again
                continue
            raise errors.error_from_result(result, encoding=pg.info.encoding)
    raise AssertionError("unreachable")
