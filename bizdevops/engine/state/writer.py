"""Buffered writes: everything one command writes goes to the database in ONE statement at the end of the
unit, just before COMMIT.

A command typically writes its instance document, a dozen history rows, some variables and a job or user
task. As separate statements that is five or six round trips, each waiting for the server; on PostgreSQL
the writes are combined into one statement with data-modifying CTEs
(`WITH a AS (INSERT ...), b AS (DELETE ...) SELECT 1`), which PostgreSQL runs exactly once each. The
sub-statements see one snapshot, so the buffer makes them independent: per table, the last operation on
a key wins, and a key is either upserted or deleted, never both. On other databases (SQLite) the same
statements run one after another."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin

from bizdevops.engine.state import codec
from bizdevops.prepared import (
    INVALID_SQL_STATEMENT_NAME,
    execute,
    literals,
    named_statements,
    prepare,
    session_statements,
    statement_name,
    text_params,
)

M = TypeVar("M", bound=models.Model)


@dataclass(slots=True)
class _Columns:
    table: str  # quoted
    fields: list[models.Field[Any, Any]]
    names: str  # quoted, comma-separated
    row: str  # "(%s, %s, ...)"
    # PostgreSQL fast path: values go to psycopg as they are (datetimes, ints, strings), JSON as its text,
    # which PostgreSQL coerces to jsonb for the target column.
    attnames: tuple[str, ...]
    json_positions: tuple[int, ...]  # indexes into attnames of the JSON columns


_columns_cache: dict[tuple[str, type[models.Model]], _Columns] = {}


def _columns(model: type[models.Model], conn: Any) -> _Columns:
    found = _columns_cache.get((conn.vendor, model))
    if found is None:
        quote = conn.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
        found = _Columns(
            quote(model._meta.db_table),
            fields,
            ", ".join(quote(f.column) for f in fields),
            "(" + ", ".join(["%s"] * len(fields)) + ")",
            tuple(f.attname for f in fields),
            tuple(i for i, f in enumerate(fields) if isinstance(f, models.JSONField)),
        )
        _columns_cache[(conn.vendor, model)] = found
    return found


# model -> (attributes holding every concrete field's immutable default, [(attname, factory)] of the fields
# whose default is made fresh per row: a list, a dict).
_row_templates: dict[type[models.Model], tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]] = {}


def _row_template(model: type[models.Model]) -> tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]:
    template: dict[str, Any] = {}
    fresh: list[tuple[str, Callable[[], Any]]] = []
    for f in model._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            template[f.attname] = None
            fresh.append((f.attname, f.get_default))
        else:
            template[f.attname] = f.get_default()  # a constant: None, "", a number, a string
    _row_templates[model] = (template, fresh)
    return template, fresh


def new_row(model: type[M], **values: Any) -> M:
    """An unsaved `model(**values)` for the writer, built without Model.__init__ (its signals and keyword
    machinery were a sixth of a command's CPU). Same attributes: every concrete field's attname, from
    `values` or the field's default (a fresh one per row, as Model.__init__ gives). Built from a
    per-model template of the defaults: a dict copy and update instead of a lookup per field."""
    found = _row_templates.get(model)
    template, fresh = found if found is not None else _row_template(model)
    if not values.keys() <= template.keys():
        raise TypeError(f"{model.__name__} has no field(s) {sorted(set(values) - set(template))}")
    obj = model.__new__(model)
    attributes = obj.__dict__
    attributes.update(template)
    attributes.update(values)
    for attname, factory in fresh:
        if attname not in values:
            attributes[attname] = factory()
    obj._state = ModelState()
    return obj


@dataclass(slots=True)
class _Upserts:
    model: type[models.Model]
    conflict: tuple[str, ...]
    update: tuple[str, ...]
    rows: dict[Any, models.Model] = field(default_factory=dict)
    increments: tuple[str, ...] = ()


@dataclass(slots=True)
class PendingWrites:
    """The writes of one unit, in the order the tables were first touched."""

    upserts: dict[type[models.Model], _Upserts] = field(default_factory=dict)
    inserts: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)
    deletes: dict[tuple[type[models.Model], str], set[Any]] = field(default_factory=dict)
    after_flush: list[Callable[[], None]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # writers' own per-unit bookkeeping
    # (bpmn process id, version): the write fails (division by zero, SQLSTATE 22012) if a newer version
    # of that process exists — the check that makes a cached "latest version" safe.
    guard: tuple[str, int] | None = None
    # (model, key, revision): that row is written by an UPDATE conditional on its `revision` instead of
    # the upsert, first, and the write fails (22012) unless it found the row at that revision — the check
    # that makes a unit begun from a cached copy of the row safe (instance_cache).
    expect: tuple[type[models.Model], Any, int] | None = None

    def upsert(
        self,
        model: type[models.Model],
        objects: Iterable[models.Model],
        *,
        key: Callable[[models.Model], Any],
        conflict: tuple[str, ...] = ("key",),
        update: tuple[str, ...],
        increments: tuple[str, ...] = (),
    ) -> None:
        """Insert or, on a conflict on `conflict`, update `update` (and add 1 to `increments`)."""
        entry = self.upserts.get(model)
        if entry is None:
            entry = self.upserts[model] = _Upserts(model, conflict, update, increments=increments)
        deletes = self.deletes.get((model, conflict[0]))
        for obj in objects:
            ident = key(obj)
            entry.rows[ident] = obj
            if deletes is not None:
                deletes.discard(ident)

    def insert(self, model: type[models.Model], objects: Iterable[models.Model]) -> None:
        self.inserts.setdefault(model, []).extend(objects)

    def delete(self, model: type[models.Model], column: str, values: Iterable[Any]) -> None:
        values = list(values)
        entry = self.upserts.get(model)
        if entry is not None and entry.conflict == (column,):
            for value in values:
                entry.rows.pop(value, None)
        self.deletes.setdefault((model, column), set()).update(values)

    def is_empty(self) -> bool:
        return not (
            any(u.rows for u in self.upserts.values())
            or any(self.inserts.values())
            or any(self.deletes.values())
        )

    def flush(self, *, commit: bool = False) -> None:
        """Write everything; with `commit` (PostgreSQL, the caller owns the outermost transaction) send
        COMMIT in the same round trip, leaving Django's own commit a no-op on an idle session."""
        conn = connections[DEFAULT_DB_ALIAS]  # the proxy `connection` costs a context-local lookup per use
        quote = conn.ops.quote_name
        statements: list[tuple[str, list[Any]]] = []
        # Deletes first: on SQLite (sequential) a delete must not remove what this unit inserts; on
        # PostgreSQL (one snapshot) the order does not matter because keys are disjoint.
        for (model, column), values in self.deletes.items():
            if values:
                ordered = sorted(values)
                marks = ", ".join(["%s"] * len(ordered))
                statements.append(
                    (f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(column)} IN ({marks})", ordered)
                )
        expect, self.expect = self.expect, None
        if expect is not None:
            model, key, revision = expect
            entry = self.upserts.get(model)
            row = entry.rows.pop(key, None) if entry is not None else None
            if row is None:  # the unit did not write the row after all: still check it was current
                statements.insert(0, _check_revision_sql(conn, model, key, revision))
            else:
                assert entry is not None
                statements.insert(0, _guarded_update_sql(conn, row, entry, revision))
        for entry in self.upserts.values():
            if entry.rows:
                statements.append(_insert_sql(conn, entry.model, list(entry.rows.values()), entry))
        for model, objects in self.inserts.items():
            if objects:
                statements.append(_insert_sql(conn, model, objects, None))
        self.upserts.clear()
        self.inserts.clear()
        self.deletes.clear()
        self.extra.clear()
        guard, self.guard = self.guard, None
        if statements:
            if conn.vendor == "postgresql":
                sql = _combined(tuple(sql for sql, _ in statements), guard is not None, expect is not None)
                params = [p for _, ps in statements for p in ps]
                if guard is not None:
                    params.extend(guard)
                # COMMIT in the same message, not conn.commit() after it: a round trip of its own.
                run_prepared(conn, sql, params, commit=commit)
            else:
                with conn.cursor() as cursor:
                    for sql, params in statements:
                        cursor.execute(sql, params)
        callbacks, self.after_flush = self.after_flush, []
        for callback in callbacks:
            callback()


@lru_cache(maxsize=512)
def _combined(statements: tuple[str, ...], guarded: bool, expected: bool = False) -> str:
    """The statements as one (data-modifying CTEs), numbered; cached by shape, so a command's write
    costs a dictionary lookup instead of joining and numbering some kilobytes of SQL. With `expected`, the
    first statement is the conditional UPDATE (RETURNING a row when it matched): the final SELECT reads
    it, which runs it before the others (so the instance row is locked first, the order every unit locks
    in) and fails the whole statement, before anything else is written, when it matched nothing."""
    checks = []
    if expected:
        checks.append("(SELECT count(*) FROM w0)::int")
    if guarded:
        checks.append(
            "(CASE WHEN EXISTS (SELECT 1 FROM engine_processdefinition WHERE "
            "bpmn_process_id = %s AND version > %s) THEN 0 ELSE 1 END)"
        )
    final = "SELECT 1 / (" + " * ".join(checks) + ")" if checks else "SELECT 1"
    if len(statements) == 1 and not checks:
        return _numbered(statements[0])
    parts = [f"w{i} AS ({sql})" for i, sql in enumerate(statements)]
    return _numbered("WITH " + ",\n".join(parts) + "\n" + final)


def _numbered(sql: str) -> str:
    """%s placeholders → $1, $2, ... for psycopg's RawCursor. psycopg converts %s itself with a regular
    expression, and caches the result only for statements up to 4 KB and 50 parameters; the combined
    statements are longer, so it parsed each one again on every command (0.1-0.3 ms of CPU). Their shapes
    repeat (one per kind of command and process), so they are numbered once here. Safe because the
    writer's SQL is generated from table and column names only: every value travels as a parameter."""
    parts = sql.split("%s")
    return "".join(f"{part}${i}" for i, part in enumerate(parts[:-1], 1)) + parts[-1]


@contextmanager
def prepared_cursor(conn: Any, *, raw: bool = False) -> Iterator[Any]:
    """A psycopg cursor with server-side binding on Django's connection (same session, same transaction).
    psycopg's own preparing is off (settings: it deallocates ALL of a session's statements on every
    rollback, the engine's included); statements that repeat endlessly go through `run_prepared`."""

    import psycopg

    conn.ensure_connection()
    cursor_class = psycopg.RawCursor if raw else psycopg.Cursor  # raw: $n placeholders
    with conn.wrap_database_errors, cursor_class(conn.connection) as cursor:
        yield cursor


def run_prepared(conn: Any, sql: str, params: Sequence[Any], *, commit: bool = False) -> list[Any]:
    """Run `sql` ($n placeholders) with `params` as a named prepared statement of this session, in ONE
    simple-protocol round trip: BEGIN first when Django opened a transaction the server has not seen yet
    (psycopg would send it in a round trip of its own), COMMIT after it with `commit`. The parameters
    travel as literals quoted by libpq; the message goes through libpq's blocking PQexec, which releases
    the GIL while it waits (psycopg's wait loop costs a poll and more CPU per round trip). Returns the
    PGresult of the statement when it returns rows; an error raises as Django raises psycopg's. The
    first use in a session PREPAREs the statement in a round trip of its own.

    A session that lost the statement (DEALLOCATE ALL by someone else) fails it with SQLSTATE 26000:
    when this message began the transaction (or there is none), it is rolled back and sent again after a
    new PREPARE; inside a transaction already open the error is raised and the command is retried
    (services: nothing of it was committed)."""
    from psycopg import errors, pq

    conn.ensure_connection()
    pg = conn.connection
    if not named_statements():
        return _run_bound(conn, sql, params, commit=commit)
    opens = not pg.autocommit and pg.pgconn.transaction_status == pq.TransactionStatus.IDLE
    alone = not opens and not commit and pg._pipeline is None
    values = args = None
    if alone:
        # The statement alone (in autocommit, or inside a transaction already open): PQexecPrepared, the
        # parameters in text format, so the server lexes no literals.
        values = text_params(params)
    else:
        args = literals(pg, params)
    if values is None and args is None:
        return _run_bound(conn, sql, params, commit=commit)
    name = statement_name(sql)
    known = session_statements(pg)
    body = f"EXECUTE {name}({args})" + ("; COMMIT" if commit else "")
    if opens:
        body = "BEGIN; " + body
    with conn.wrap_database_errors:
        for attempt in (1, 2):
            if name not in known:
                prepare(pg, known, name, sql)
            if values is not None:
                with pg.lock:
                    result = pg.pgconn.exec_prepared(name.encode(), values)
            else:
                # PQexec answers the last result, or the error that stopped the message: everything
                # before COMMIT succeeded when COMMIT's result comes back.
                result = execute(pg, body)
            if result.status != pq.ExecStatus.FATAL_ERROR:
                return [result] if result.status == pq.ExecStatus.TUPLES_OK and not commit else []
            gone = result.error_field(pq.DiagnosticField.SQLSTATE) == INVALID_SQL_STATEMENT_NAME
            if gone:
                # someone deallocated it (and likely all the others); forgotten now, because where the
                # error is raised below the failed transaction cannot ask the session what it still has
                known.discard(name)
            if not gone or attempt == 2 or not (opens or pg.autocommit):
                # raises; inside an open transaction the unit is rolled back and the command retried
                raise errors.error_from_result(result, encoding=pg.info.encoding)
            if pg.pgconn.transaction_status != pq.TransactionStatus.IDLE:
                execute(pg, "ROLLBACK")  # what this message began
            known.resync(pg)
    raise AssertionError("unreachable")


def _run_bound(conn: Any, sql: str, params: Sequence[Any], *, commit: bool) -> list[Any]:
    """`run_prepared` through psycopg's binding (unnamed statements), for parameters without a literal
    form here and for sessions that may not keep named statements."""
    from psycopg import pq

    with prepared_cursor(conn, raw=True) as cursor:
        if commit:
            # COMMIT pipelined with the statement, not conn.commit(): that one syncs, and leaving the
            # pipeline then syncs again, an empty round trip of its own.
            with conn.connection.pipeline():
                cursor.execute(sql, params)
                cursor.execute("COMMIT")
            return []
        cursor.execute(sql, params)
        result = cursor.pgresult
        return [result] if result is not None and result.status == pq.ExecStatus.TUPLES_OK else []


def simple_query(conn: Any, sql: str, *, begin: bool = False) -> list[Any]:
    """Run `sql` (one or more statements, no parameters: callers inline only integers) in ONE round trip
    with the simple query protocol; with `begin`, open the transaction in the same message when none is
    open yet. psycopg would otherwise send its implicit BEGIN as a round trip of its own (and, in
    pipeline mode, sync after it and again when the pipeline closes). Returns the PGresults of the
    row-returning statements, in order; an error result raises as Django raises psycopg's errors.

    psycopg keeps following the server's transaction status (libpq tracks it), so after a BEGIN sent
    here it sees the transaction as open and Django's COMMIT/ROLLBACK at the end of the atomic block work
    as usual."""
    from psycopg import pq

    conn.ensure_connection()
    pg = conn.connection
    if begin and not pg.autocommit and pg.pgconn.transaction_status == pq.TransactionStatus.IDLE:
        sql = "BEGIN; " + sql
    with conn.wrap_database_errors:
        return _rows(pg, _send(pg, sql))


def _send(pg: Any, sql: str) -> list[Any]:
    """All PGresults of one simple-protocol message (the statements after a failing one do not run)."""
    from psycopg import generators

    with pg.lock:
        pg.pgconn.send_query(sql.encode())
        return pg.wait(generators.execute(pg.pgconn))  # type: ignore[no-any-return]


def _rows(pg: Any, results: list[Any]) -> list[Any]:
    from psycopg import errors, pq

    for result in results:
        if result.status == pq.ExecStatus.FATAL_ERROR:
            raise errors.error_from_result(result, encoding=pg.info.encoding)
    return [r for r in results if r.status == pq.ExecStatus.TUPLES_OK]


@dataclass(frozen=True, slots=True)
class SessionStatement:
    """A statement of one bigint argument ($1) for `run_session_statements`: prepared once per database
    session with SQL PREPARE and run with EXECUTE, so the server parses and plans it once instead of on
    every command (the simple protocol, which lets BEGIN share the round trip, cannot bind parameters)."""

    name: str
    body: str

    def text(self, argument: int, *, prepared: bool) -> str:
        if prepared:
            return f"EXECUTE {self.name}({int(argument)})"
        return self.body.replace("$1", str(int(argument)))


def run_session_statements(conn: Any, calls: list[tuple[SessionStatement, int]]) -> list[Any]:
    """BEGIN (when no transaction is open) and `calls`, in order, in ONE simple-protocol round trip, as
    `simple_query(..., begin=True)`; returns the results of the calls. When this message opens the
    transaction, the calls run as prepared statements (those the session lacks are prepared first, in a
    round trip of their own: once per session). A session may have lost them (DEALLOCATE ALL, past the
    cap of bizdevops.prepared or by someone else), so a call may find its statement gone: that failure is
    rolled back and the message sent again after preparing them anew, still inside the caller's unit,
    which began here. Inside a transaction already open such a failure could not be undone alone, so the
    plain statements go."""
    from psycopg import pq

    conn.ensure_connection()
    pg = conn.connection
    opens = not pg.autocommit and pg.pgconn.transaction_status == pq.TransactionStatus.IDLE
    if not opens or not named_statements():
        return simple_query(conn, "; ".join(s.text(a, prepared=False) for s, a in calls), begin=True)
    known = session_statements(pg)
    message = "; ".join(["BEGIN"] + [s.text(a, prepared=True) for s, a in calls])
    with conn.wrap_database_errors:
        for attempt in (1, 2):
            for statement in {s.name: s for s, _ in calls}.values():
                if statement.name not in known:
                    prepare(pg, known, statement.name, statement.body, types="bigint")
            results = _send(pg, message)
            gone = any(
                r.status == pq.ExecStatus.FATAL_ERROR
                and r.error_field(pq.DiagnosticField.SQLSTATE) == INVALID_SQL_STATEMENT_NAME
                for r in results
            )
            if not gone or attempt == 2:
                return _rows(pg, results)
            # End the failed transaction this message began, learn what the session has, and go again.
            _rows(pg, _send(pg, "ROLLBACK"))
            known.resync(pg)
    raise AssertionError("unreachable")


# (model, update, increments) -> (the UPDATE's SQL text, which of `update` are JSON columns)
_guarded_update_cache: dict[tuple[Any, ...], tuple[str, tuple[bool, ...]]] = {}


def _guarded_update_sql(
    conn: Any, row: models.Model, entry: _Upserts, revision: int
) -> tuple[str, list[Any]]:
    """`row`'s upsert as an UPDATE of the same columns that matches only at `revision` (PostgreSQL)."""
    shape = (entry.model, entry.update, entry.increments)
    found = _guarded_update_cache.get(shape)
    if found is None:
        cols = _columns(entry.model, conn)
        json_columns = {cols.attnames[i] for i in cols.json_positions}
        quote = conn.ops.quote_name
        sets = [f"{quote(name)} = %s" for name in entry.update]
        sets += [f"{quote(name)} = {quote(name)} + 1" for name in entry.increments]
        found = _guarded_update_cache[shape] = (
            f"UPDATE {cols.table} SET {', '.join(sets)} "
            f"WHERE {quote(entry.model._meta.pk.column)} = %s AND {quote('revision')} = %s RETURNING 1",
            tuple(name in json_columns for name in entry.update),
        )
    sql, is_json = found
    values = row.__dict__
    params = [
        codec.dumps(values[name]) if json and values[name] is not None else values[name]
        for name, json in zip(entry.update, is_json, strict=True)
    ]
    params += [row.pk, revision]
    return sql, params


def _check_revision_sql(
    conn: Any, model: type[models.Model], key: Any, revision: int
) -> tuple[str, list[Any]]:
    """Lock `key`'s row and return it only when it is at `revision` (the guard of a unit that began from a
    copy of the row but ended without writing it)."""
    quote = conn.ops.quote_name
    sql = (
        f"SELECT 1 FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s "
        f"AND {quote('revision')} = %s FOR UPDATE"
    )
    return sql, [key, revision]


# (vendor, model, rows, upsert shape) -> the INSERT's SQL text: the shapes repeat endlessly, and building
# the text (quoting every column of the ON CONFLICT clause) was a tenth of a command's CPU.
_insert_sql_cache: dict[tuple[Any, ...], str] = {}


def _insert_sql(
    conn: Any, model: type[models.Model], objects: list[models.Model], upsert: _Upserts | None
) -> tuple[str, list[Any]]:
    cols = _columns(model, conn)
    params: list[Any] = []
    if conn.vendor == "postgresql":
        dumps = codec.dumps
        attnames, json_positions = cols.attnames, cols.json_positions
        for obj in objects:
            values = obj.__dict__
            row = [values[attname] for attname in attnames]
            for i in json_positions:
                value = row[i]
                if value is not None:
                    row[i] = dumps(value)
            params.extend(row)
    else:
        for obj in objects:
            for f in cols.fields:
                params.append(f.get_db_prep_save(getattr(obj, f.attname), conn))
    shape = (
        (conn.vendor, model, len(objects))
        if upsert is None
        else (conn.vendor, model, len(objects), upsert.conflict, upsert.update, upsert.increments)
    )
    sql = _insert_sql_cache.get(shape)
    if sql is None:
        sql = f"INSERT INTO {cols.table} ({cols.names}) VALUES " + ", ".join([cols.row] * len(objects))
        if upsert is not None:
            quote = conn.ops.quote_name
            sets = [f"{quote(c)} = EXCLUDED.{quote(c)}" for c in upsert.update]
            sets += [f"{quote(c)} = {cols.table}.{quote(c)} + 1" for c in upsert.increments]
            sql += (
                f" ON CONFLICT ({', '.join(quote(c) for c in upsert.conflict)}) "
                f"DO UPDATE SET {', '.join(sets)}"
            )
        if len(_insert_sql_cache) > 2000:
            _insert_sql_cache.clear()
        _insert_sql_cache[shape] = sql
    return sql, params
