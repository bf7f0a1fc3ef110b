"""The statements that start every command must stay cheap on a new installation, where the planner's
statistics still say the tables are empty (analyzed before the first instance ran, and autovacuum has not
come round yet). A plan chosen on such statistics is kept by the prepared statement: a nested loop of two
sequential scans over the user task table made reading an instance's open tasks quadratic in the number
of tasks (23 ms per command at 600 tasks) until the next ANALYZE."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from bizdevops.engine import services
from bizdevops.engine.state import models as m
from bizdevops.engine.state import store

HERE = Path(__file__).parent
pytestmark = [pytest.mark.django_db(transaction=True)]  # VACUUM runs outside a transaction

N = 300
LINEAR = 4 * N  # a few scans of an N-row table; a plan quadratic in N touches N * N


@pytest.fixture(autouse=True)
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the plans are PostgreSQL's")


def _waiting_on_stale_statistics(
    process_id: str, variables: dict[str, object], model: type[m.UserTask] | type[m.Job]
) -> list[tuple[int, int]]:
    """N instances of `process_id` waiting at their task (user task or job), in tables last analyzed while
    they were empty: (instance key, task or job key) each."""
    services.deploy_resources(resources=[("processes.bpmn", (HERE / "processes.bpmn").read_bytes())])
    with connection.cursor() as cursor:
        for table in ("engine_processinstance", model._meta.db_table):
            cursor.execute(f"VACUUM ANALYZE {table}")
    waiting = [
        services.create_process_instance(bpmn_process_id=process_id, variables=variables).process_instance_key
        for _ in range(N)
    ]
    owned = dict(
        model.objects.filter(process_instance_key__in=waiting).values_list("process_instance_key", "key")
    )
    return [(instance, owned[instance]) for instance in waiting]


@pytest.fixture
def tasks_on_stale_statistics() -> list[tuple[int, int]]:
    return _waiting_on_stale_statistics("approval", {"amount": 1}, m.UserTask)


@pytest.fixture
def jobs_on_stale_statistics() -> list[tuple[int, int]]:
    return _waiting_on_stale_statistics("work", {}, m.Job)


def _rows_touched(body: str, *arguments: object, types: str = "bigint") -> int:
    """Rows the statement's generic plan (the one a prepared statement keeps) reads and discards, summed
    over every node and loop of EXPLAIN ANALYZE (run in a transaction rolled back: some lock rows)."""
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            cursor.execute(f"PREPARE plan_probe({types}) AS {body}")
            marks = ", ".join(["%s"] * len(arguments))
            cursor.execute("BEGIN")
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE plan_probe({marks})", list(arguments))
            (plan,) = cursor.fetchone()
            cursor.execute("ROLLBACK")
        finally:
            cursor.execute("DEALLOCATE ALL")
            cursor.execute("RESET plan_cache_mode")
    if isinstance(plan, str):
        plan = json.loads(plan)

    def walk(node: dict[str, Any]) -> int:
        loops = node.get("Actual Loops", 1)
        own = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
        own += node.get("Rows Removed by Join Filter", 0)
        return own * loops + sum(walk(child) for child in node.get("Plans", []))

    return walk(plan[0]["Plan"])


def test_the_statements_that_start_a_command_stay_linear_on_stale_statistics(
    tasks_on_stale_statistics: list[tuple[int, int]],
) -> None:
    # given N waiting instances in tables whose statistics say they are empty
    instance, task = tasks_on_stale_statistics[N // 2]

    # when each statement that opens a command is planned generically and run for one instance
    touched = {
        statement.name: _rows_touched(statement.body, argument)
        for statement, argument in (
            (store._LOCK_INSTANCE, instance),
            (store._OPEN_TASKS, instance),
            (store._LOCK_OWNER["task"], task),
            (store._LOCK_ROW["task"], task),
        )
    }

    # then each stays linear (a scan of its table at worst, counted at each node above it): the nested loop
    # of scans read N * N rows
    assert all(rows <= LINEAR for rows in touched.values()), touched


def test_the_open_tasks_of_an_instance_are_read_whole(
    tasks_on_stale_statistics: list[tuple[int, int]],
) -> None:
    # given a waiting instance and its task
    instance, task = tasks_on_stale_statistics[0]

    # when its open tasks are read with the statement that follows the instance lock
    with connection.cursor() as cursor:
        cursor.execute(store._OPEN_TASKS.body.replace("$1", "%s"), [instance])
        rows = [row for (row,) in cursor.fetchall()]

    # then the one open task comes back as the whole row, column by column
    row = json.loads(rows[0]) if isinstance(rows[0], str) else rows[0]
    assert len(rows) == 1
    assert row["key"] == task
    assert row["process_instance_key"] == instance
    assert row["state"] == "CREATED"
    assert set(row) == {field.column for field in m.UserTask._meta.concrete_fields}


def test_the_job_statements_stay_linear_on_stale_statistics(
    jobs_on_stale_statistics: list[tuple[int, int]],
) -> None:
    # given N waiting jobs in tables whose statistics say they are empty
    _, job = jobs_on_stale_statistics[N // 2]

    # when the job's lock statements and the activation query (type, now, limit) are planned generically
    touched = {
        "lock_job_owner": _rows_touched(store._LOCK_OWNER["job"].body, job),
        "lock_job": _rows_touched(store._LOCK_ROW["job"].body, job),
        "activation": _rows_touched(
            store._activation_sql(0), "work", 4_102_444_800_000, 10, types="text, bigint, bigint"
        ),
    }

    # then each stays linear: the activation scans the type's jobs once per branch at worst
    assert all(rows <= LINEAR for rows in touched.values()), touched
