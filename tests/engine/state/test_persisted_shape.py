"""What the engine writes for Tasklist and how cheaply: user tasks carry their process's name, the list
indexes hold open tasks only, and the hot commands keep to a fixed, small number of statements."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from bizdevops.engine import services
from bizdevops.engine.state import models as m

HERE = Path(__file__).parent
pytestmark = pytest.mark.django_db


@pytest.fixture
def deployed() -> None:
    services.deploy_resources(resources=[("processes.bpmn", (HERE / "processes.bpmn").read_bytes())])


def _open_task(instance_key: int) -> m.UserTask:
    return m.UserTask.objects.get(process_instance_key=instance_key, state=m.UserTaskState.CREATED)


def test_user_task_carries_the_process_name(deployed: None) -> None:
    # given an instance of the process named "Approval" waiting at its user task
    created = services.create_process_instance(bpmn_process_id="approval", variables={"amount": 1})

    # when Tasklist reads the task
    task = _open_task(created.process_instance_key)

    # then it has the process's name, and keeps it once completed
    assert task.process_name == "Approval"
    services.complete_user_task(user_task_key=task.key, variables={"approved": True})
    done = m.UserTask.objects.get(key=task.key)
    assert (done.state, done.process_name) == (m.UserTaskState.COMPLETED, "Approval")


def test_tasklist_list_indexes_cover_open_tasks_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("partial indexes are checked on PostgreSQL")
    # given the migrated schema
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'engine_usertask'")
        indexes = dict(cursor.fetchall())

    # then every list index is restricted to open tasks, and the old full ones are gone
    lists = {name: d for name, d in indexes.items() if name.startswith("engine_ut_open_")}
    assert set(lists) == {
        "engine_ut_open_assignee",
        "engine_ut_open_priority",
        "engine_ut_open_due",
        "engine_ut_open_process",
    }
    assert all("WHERE ((state)::text = 'CREATED'::text)" in d for d in lists.values()), lists
    assert not {"engine_ut_assignee", "engine_ut_priority", "engine_ut_due"} & set(indexes)


def test_open_tasks_query_uses_a_partial_index(deployed: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN is PostgreSQL's")
    # given open tasks
    for _ in range(3):
        services.create_process_instance(bpmn_process_id="approval", variables={"amount": 1})

    # when "my open tasks" is planned with sequential scans ruled out (tiny test table)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = (
            m.UserTask.objects.filter(state="CREATED", assignee="anna")
            .order_by("-creation_date")
            .query.sql_with_params()
        )
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then the open-assignee partial index answers it
    assert "engine_ut_open_assignee" in plan, plan
