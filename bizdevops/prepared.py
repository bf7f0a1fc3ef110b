"""Named server-side prepared statements, kept per database session.

Two kinds of callers use them: the engine's writes and the reads that start most commands
(`bizdevops.engine.state.writer`: SQL EXECUTE with libpq-quoted literals, inside or outside transactions),
and the small reads every API request makes (`prepared_rows`: the user behind HTTP Basic, the start
restriction of a process). Through a Django cursor each such read costs ~150-200 us of the web process's CPU
(cursor wrappers, psycopg's generators, and the client-side binding of Django's cursors, which also makes
PostgreSQL parse and plan the statement every time); one `PQexecPrepared` (which releases the GIL while it
waits) with psycopg's own row loaders costs ~50 us and is planned once per database session.

One registry per session (`session_statements`) knows what the session has prepared: at most
`SessionStatements.MAX`, past which the next PREPARE starts over after DEALLOCATE ALL. psycopg's own preparing
is off (settings), because psycopg deallocates ALL of a session's statements on every rollback; a statement
found gone anyway (SQLSTATE 26000) or already there (42P05) makes the registry re-read the session's own list.
Off entirely behind a pooler that cannot keep them (DB_PREPARE_THRESHOLD=off: `named_statements()`).
"""

from __future__ import annotations

import hashlib
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

INVALID_SQL_STATEMENT_NAME = b"26000"  # deallocated since (DEALLOCATE ALL: the cap here, or anyone)
DUPLICATE_PREPARED_STATEMENT = b"42P05"


def named_statements() -> bool:
    """Whether named prepared statements are kept in the database sessions (not behind a pooler in
    transaction mode that cannot keep them: DB_PREPARE_THRESHOLD=off)."""
    from django.conf import settings

    return bool(getattr(settings, "BIZDEVOPS_NAMED_STATEMENTS", True))


class SessionStatements:
    """The named prepared statements of one database session, least recently used first. At most MAX: past
    that, the next PREPARE deallocates them all and starts over (DEALLOCATE ALL cannot fail; one name that
    turned out unknown would fail a whole message)."""

    MAX = 256

    def __init__(self) -> None:
        self.names: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, name: object) -> bool:
        if name in self.names:
            self.names.move_to_end(name)  # type: ignore[arg-type]
            return True
        return False

    def add(self, name: str) -> None:
        self.names[name] = None

    def discard(self, name: str) -> None:
        self.names.pop(name, None)

    def clear(self) -> None:
        self.names.clear()

    def full(self) -> bool:
        return len(self.names) >= self.MAX

    def resync(self, pg: Any) -> None:
        """Take the session's own list (after a surprise: a statement gone, or one already there); outside
        a failed transaction."""
        from psycopg import pq

        result = execute(pg, "SELECT name FROM pg_prepared_statements WHERE name LIKE 'bizdevops\\_%'")
        self.names.clear()
        if result.status == pq.ExecStatus.TUPLES_OK:
            for n in range(result.ntuples):
                self.names[result.get_value(n, 0).decode()] = None


# psycopg connection -> the statements prepared in its session
_sessions: weakref.WeakKeyDictionary[Any, SessionStatements] = weakref.WeakKeyDictionary()
_sessions_lock = threading.Lock()


def session_statements(pg: Any) -> SessionStatements:
    known = _sessions.get(pg)
    if known is None:
        with _sessions_lock:
            known = _sessions.setdefault(pg, SessionStatements())
    return known


@lru_cache(maxsize=1024)
def statement_name(sql: str) -> str:
    """The statement's name in every session: from its text ($n placeholders)."""
    return "bizdevops_q_" + hashlib.blake2b(sql.encode(), digest_size=10).hexdigest()


def execute(pg: Any, sql: str) -> Any:
    """One simple-protocol message through PQexec (blocking, the GIL released): its last PGresult, or the
    error that stopped it."""
    with pg.lock:
        return pg.pgconn.exec_(sql.encode())


def prepare(pg: Any, known: SessionStatements, name: str, sql: str, types: str = "") -> None:
    """PREPARE `sql` as `name` in this session (with `types`, its parameters' types, e.g. "bigint"; else
    inferred), past the cap after DEALLOCATE ALL. One that exists already (the registry had forgotten it)
    is kept."""
    from psycopg import errors, pq

    prefix = ""
    if known.full():
        known.clear()
        prefix = "DEALLOCATE ALL; "
    signature = f"({types})" if types else ""
    result = execute(pg, f"{prefix}PREPARE {name}{signature} AS {sql}")
    if result.status == pq.ExecStatus.COMMAND_OK:
        known.add(name)
        return
    if (
        result.error_field(pq.DiagnosticField.SQLSTATE) == DUPLICATE_PREPARED_STATEMENT
        and pg.pgconn.transaction_status != pq.TransactionStatus.INERROR
    ):
        known.resync(pg)  # the registry had forgotten what the session has
        return
    raise errors.error_from_result(result, encoding=pg.info.encoding)


def literals(pg: Any, params: Sequence[Any]) -> str | None:
    """The parameters as SQL literals for EXECUTE (the server coerces each to the type it inferred at
    PREPARE), strings quoted by libpq; None when one has no safe literal form here (the caller then binds
    them through psycopg instead)."""
    import datetime as dt

    from psycopg import pq

    escape = pq.Escaping(pg.pgconn).escape_literal
    parts: list[str] = []
    for value in params:
        kind = type(value)
        if value is None:
            parts.append("NULL")
        elif kind is int:
            parts.append(str(value))
        elif kind is str:
            if "\x00" in value:
                return None  # psycopg refuses it with a clear error; a literal would be cut short
            parts.append(escape(value.encode()).decode())
        elif kind is bool:
            parts.append("true" if value else "false")
        elif kind is dt.datetime and value.tzinfo is not None:
            parts.append(f"'{value.isoformat()}'")
        else:
            return None
    return ", ".join(parts)


def text_params(params: Sequence[Any]) -> list[bytes | None] | None:
    """The parameters in PostgreSQL's text format for PQexecPrepared (the server reads each with the input
    function of the type it inferred at PREPARE, as it does a literal, without lexing a statement); None
    when one has no such form here (the caller then binds them through psycopg instead)."""
    import datetime as dt

    values: list[bytes | None] = []
    for value in params:
        kind = type(value)
        if value is None:
            values.append(None)
        elif kind is int:
            values.append(str(value).encode())
        elif kind is str:
            if "\x00" in value:
                return None  # psycopg refuses it with a clear error; text parameters cannot hold it
            values.append(value.encode())
        elif kind is bool:
            values.append(b"true" if value else b"false")
        elif kind is dt.datetime and value.tzinfo is not None:
            values.append(value.isoformat().encode())
        else:
            return None
    return values


_PLACEHOLDER = re.compile(r"%([%s])")
# SQL with Django's %s placeholders -> the same with $n (PostgreSQL's)
_texts: dict[str, str] = {}


def _dollar(sql: str) -> str:
    text = _texts.get(sql)
    if text is None:
        numbers = iter(range(1, 1 << 16))
        text = _texts[sql] = _PLACEHOLDER.sub(lambda m: "%" if m[1] == "%" else f"${next(numbers)}", sql)
    return text


def _text(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"prepared_rows takes int and str parameters, not {type(value).__name__}")
    return str(value).encode()


def prepared_rows(sql: str, params: Sequence[Any], *, using: str = "default") -> list[tuple[Any, ...]] | None:
    """The rows of `sql` (a SELECT with Django's %s placeholders; `params` ints and strings) as a Django
    cursor would return them, or None when this path does not apply: only on PostgreSQL, in autocommit
    outside any transaction (an error there aborts nothing, so a statement found gone can be prepared again
    and re-run), and when queries are not being logged (DEBUG, assertNumQueries); otherwise the caller runs
    its query as usual."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql" or conn.in_atomic_block or conn.queries_logged or not named_statements():
        return None
    conn.ensure_connection()
    if not conn.get_autocommit():
        return None
    from psycopg import errors, pq
    from psycopg.adapt import Transformer

    pg = conn.connection
    if pg._pipeline is not None:
        return None
    text = _dollar(sql)
    name = statement_name(text)
    values = [_text(value) for value in params]
    known = session_statements(pg)
    with conn.wrap_database_errors:
        for attempt in (1, 2):
            if name not in known:
                prepare(pg, known, name, text)
            with pg.lock:
                result = pg.pgconn.exec_prepared(name.encode(), values)
            if result.status == pq.ExecStatus.TUPLES_OK:
                loader = Transformer(pg)
                loader.set_pgresult(result)
                return loader.load_rows(0, result.ntuples, tuple)
            if attempt == 1 and result.error_field(pq.DiagnosticField.SQLSTATE) == INVALID_SQL_STATEMENT_NAME:
                known.resync(pg)  # deallocated since: prepare it again
                continue
            raise errors.error_from_result(result, encoding=pg.info.encoding)
    raise AssertionError("unreachable")
