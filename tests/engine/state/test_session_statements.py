"""The statements that start most commands (lock the instance with the job or user task) are prepared once
per database session, and a session that lost them (psycopg deallocates all on every rollback) prepares them
again without failing the command."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from bizdevops import prepared
from bizdevops.engine import selectors, services
from bizdevops.engine.core.errors import Conflict
from bizdevops.engine.state import models as m
from bizdevops.engine.state import writer
from bizdevops.engine.state.store import DjangoStore

HERE = Path(__file__).parent
# Outside a test transaction: the statements are prepared only by a command that opens its own.
pytestmark = [pytest.mark.django_db(transaction=True)]

LOCK_STATEMENTS = {"bizdevops_lock_task_owner_rev", "bizdevops_lock_task"}


@pytest.fixture(autouse=True)
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")


@pytest.fixture(autouse=True)
def locked_units() -> Iterator[None]:
    """Commands here lock their instance: none begins from the copy the start left (instance_cache)."""
    cache = services.get_engine().store.cache
    size, cache.size = cache.size, 0
    cache.clear()
    yield
    cache.size = size


@pytest.fixture
def deployed() -> None:
    services.deploy_resources(resources=[("processes.bpmn", (HERE / "processes.bpmn").read_bytes())])


def _waiting_task() -> tuple[int, int]:
    created = services.create_process_instance(bpmn_process_id="approval", variables={"amount": 1})
    task = m.UserTask.objects.get(
        process_instance_key=created.process_instance_key, state=m.UserTaskState.CREATED
    )
    return created.process_instance_key, task.key


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'bizdevops_%%'")
        return {name for (name,) in cursor.fetchall()}


def _status(instance_key: int) -> str:
    return m.ProcessInstance.objects.get(key=instance_key).status


def test_completing_a_task_prepares_the_lock_statements_once(deployed: None) -> None:
    # given two instances waiting at their user task
    first_instance, first_task = _waiting_task()
    second_instance, second_task = _waiting_task()

    # when both tasks are completed on this session
    services.complete_user_task(user_task_key=first_task, variables={"approved": True})
    prepared_after_first = _prepared()
    services.complete_user_task(user_task_key=second_task, variables={"approved": True})

    # then the first completion prepared the lock statements, the second reused them, and both instances
    # went on to their end
    assert LOCK_STATEMENTS <= prepared_after_first
    assert _prepared() == prepared_after_first
    assert (_status(first_instance), _status(second_instance)) == ("COMPLETED", "COMPLETED")


def test_a_session_that_lost_its_statements_prepares_them_again(deployed: None) -> None:
    # given the lock statements prepared by a completion, and an instance waiting at its task
    _, done_task = _waiting_task()
    services.complete_user_task(user_task_key=done_task, variables={"approved": True})
    instance, task = _waiting_task()
    assert LOCK_STATEMENTS <= _prepared()

    # when the session loses every prepared statement (what psycopg does on each rollback) and the
    # task is completed
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert not _prepared() & LOCK_STATEMENTS
    services.complete_user_task(user_task_key=task, variables={"approved": True})

    # then the completion went through, with the statements prepared again
    assert _status(instance) == "COMPLETED"
    assert m.UserTask.objects.get(key=task).state == m.UserTaskState.COMPLETED
    assert LOCK_STATEMENTS <= _prepared()


def test_a_refused_command_after_a_lost_statement_changes_nothing(deployed: None) -> None:
    # given a completed task, and a session that lost its prepared statements
    instance, task = _waiting_task()
    services.complete_user_task(user_task_key=task, variables={"approved": True})
    revision = m.ProcessInstance.objects.get(key=instance).revision
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")

    # when the task is completed again
    with pytest.raises(Conflict):
        services.complete_user_task(user_task_key=task, variables={"approved": False})

    # then it is refused as a conflict, nothing changed, and the session is usable (no failed transaction)
    assert m.ProcessInstance.objects.get(key=instance).revision == revision
    assert _status(instance) == "COMPLETED"
    assert connection.connection.info.transaction_status == 0  # IDLE


def _write_statements() -> set[str]:
    return {name for name in _prepared() if name.startswith("bizdevops_q_")}


def test_a_start_on_a_session_that_lost_its_statements_prepares_the_write_again(deployed: None) -> None:
    # given the write of a start prepared in this session (the second start: the first one reads the
    # definition, the next ones write with a guard on the cached latest version), then lost
    _waiting_task()
    _waiting_task()
    assert _write_statements()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert not _write_statements()

    # when an instance is started straight on the engine (no command retry around it): its write is one
    # autocommit statement, which fails alone and is sent again with the PREPARE
    created = services.get_engine().create_process_instance(
        bpmn_process_id="approval", variables={"amount": 1}
    )
    instance = created.process_instance_key
    task = m.UserTask.objects.get(process_instance_key=instance).key

    # then the start went through, with the write prepared again
    assert _status(instance) == "ACTIVE"
    assert m.UserTask.objects.get(key=task).state == m.UserTaskState.CREATED
    assert _write_statements()


def test_an_activation_whose_write_lost_its_statement_is_retried_whole(
    deployed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an activation's write prepared in this session; a new job waits
    services.create_process_instance(bpmn_process_id="work")
    [first] = services.activate_jobs(job_type="work", worker="w", timeout_ms=60_000, max_jobs=1)
    created = services.create_process_instance(bpmn_process_id="work")
    # and the session loses every statement right after the next activation's read, inside its
    # transaction, while the registry still counts them as prepared
    reads: list[int] = []
    read = DjangoStore._activatable_jobs_pg

    def read_then_lose(self: DjangoStore, *args: object, **kwargs: object) -> object:
        jobs = read(self, *args, **kwargs)  # type: ignore[arg-type]
        reads.append(len(jobs))
        if len(reads) == 1:
            prepared.execute(connection.connection, "DEALLOCATE ALL")
        return jobs

    monkeypatch.setattr(DjangoStore, "_activatable_jobs_pg", read_then_lose)

    # when it is activated: its write finds its statement gone inside the open transaction, which is
    # rolled back, and the activation runs again from its read
    [second] = services.activate_jobs(job_type="work", worker="w", timeout_ms=60_000, max_jobs=1)

    # then the activation ran twice, and the job is activated exactly once
    assert reads == [1, 1]
    assert second.process_instance_key == created.process_instance_key != first.process_instance_key
    job = m.Job.objects.get(key=second.job_key)
    assert (job.state, job.worker) == ("ACTIVATED", "w")
    activated = [
        r
        for r in selectors.list_history_records(process_instance_key=created.process_instance_key)
        if r.value_type == "JOB" and r.intent == "ACTIVATED"
    ]
    assert len(activated) == 1
    assert connection.connection.info.transaction_status == 0  # IDLE


def test_a_session_keeps_at_most_its_cap_of_statements_and_each_still_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a cap of 3 named statements per session
    monkeypatch.setattr(prepared.SessionStatements, "MAX", 3)
    connection.ensure_connection()
    prepared.session_statements(connection.connection).clear()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")

    # when 7 different statements run, each twice, with text that needs quoting
    for n in range(7):
        for text in ("it's", "back\\slash"):
            [result] = writer.run_prepared(connection, f"SELECT $1::text || '-{n}'", [text])
            # then each answers (libpq quoted the literal), prepared or prepared again
            assert result.get_value(0, 0).decode() == f"{text}-{n}"
        # and the session never holds more than the cap
        assert len(_write_statements()) <= 3


def test_statements_the_registry_forgot_are_kept_and_commands_go_on(deployed: None) -> None:
    # given the lock and write statements prepared in this session, and a registry that forgot them
    # (the statements still exist in the session)
    _, done_task = _waiting_task()
    services.complete_user_task(user_task_key=done_task, variables={"approved": True})
    instance, task = _waiting_task()
    prepared.session_statements(connection.connection).clear()

    # when commands need them again (their PREPAREs find them there: duplicate_prepared_statement)
    services.complete_user_task(user_task_key=task, variables={"approved": True})
    again, _ = _waiting_task()

    # then the commands went through
    assert _status(instance) == "COMPLETED"
    assert _status(again) == "ACTIVE"
    assert LOCK_STATEMENTS <= _prepared()
