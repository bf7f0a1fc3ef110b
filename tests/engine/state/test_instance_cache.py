"""Units that begin from the copy of an instance this process wrote last (instance_cache): the next command on
the instance skips its lock and writes once, conditionally on the row's revision. A copy that another worker
or a rolled-back transaction made outdated is never written: the unit runs again under the lock.

Outside test transactions (a unit keeps a copy only after a commit it owns) and on PostgreSQL only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from bizdevops.engine import selectors, services
from bizdevops.engine.core.errors import Conflict, NotFound
from bizdevops.engine.state import models as m
from bizdevops.engine.state.keys import default_keys
from bizdevops.engine.state.store import DjangoStore, _json_record
from tests.engine.state.test_concurrency import run_together

HERE = Path(__file__).parent
pytestmark = [pytest.mark.django_db(transaction=True)]

VARIABLES = {"owner": "kim", "reviewers": ["ann", "bob"], "followUp": "2026-11-30T09:00:00Z"}


@pytest.fixture(autouse=True)
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the instance cache is used on PostgreSQL only")


@pytest.fixture
def cache() -> Iterator[Any]:
    services.deploy_resources(
        resources=[("instance_cache.bpmn", (HERE / "instance_cache.bpmn").read_bytes())]
    )
    found = services.get_engine().store.cache
    found.clear()
    yield found
    found.clear()


def other_worker() -> services.DurableEngine:
    """An engine with its own store and cache: another worker process, as far as copies go."""
    return services.DurableEngine(DjangoStore(), services.EngineClock(), default_keys())


def start() -> tuple[int, int]:
    created = services.create_process_instance(bpmn_process_id="review", variables=VARIABLES)
    task = m.UserTask.objects.get(process_instance_key=created.process_instance_key, state="CREATED")
    return created.process_instance_key, task.key


def trail(instance_key: int) -> list[tuple[str, str, str]]:
    return [
        (r.element_id, r.value_type, r.intent)
        for r in selectors.list_history_records(process_instance_key=instance_key)
    ]


def revision(instance_key: int) -> int:
    return m.ProcessInstance.objects.get(key=instance_key).revision


def test_the_start_keeps_a_copy_equal_to_the_rows(cache: Any) -> None:
    # when an instance starts and waits at its user task
    key, task_key = start()

    # then this process keeps its document and open task as the database holds them
    entry = cache.get(key)
    row = m.ProcessInstance.objects.get(key=key)
    assert entry is not None
    assert entry.revision == row.revision == 1
    assert cache.owner_of_task(task_key) == key
    assert json.loads(entry.document) == row.state
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_jsonb(t) FROM engine_usertask t WHERE key = %s", [task_key])
        from_database = _json_record("task", json.loads(cursor.fetchone()[0]))
    assert entry.open_tasks == (from_database,)
    assert from_database.assignee == "kim"
    assert from_database.candidate_users == ("ann", "bob")
    assert from_database.custom_headers == {"region": "eu"}


def test_a_completion_after_the_start_begins_from_the_copy(cache: Any) -> None:
    # given an instance started by this process, and one started and completed with no copies kept
    key, _ = start()
    cache.size, size = 0, cache.size
    try:
        locked_key, _ = start()
        services.complete_user_task_at(
            process_instance_key=locked_key, element_id="check", variables={"approved": True}
        )
    finally:
        cache.size = size
    hits = cache.hits

    # when its task is completed
    services.complete_user_task_at(process_instance_key=key, element_id="check", variables={"approved": True})

    # then the unit began from the copy, wrote once (revision 2), and did what the locked unit did
    assert cache.hits == hits + 1
    assert revision(key) == 2
    assert m.ProcessInstance.objects.get(key=key).status == "COMPLETED"
    assert trail(key) == trail(locked_key)
    assert m.UserTask.objects.get(process_instance_key=key).state == "COMPLETED"
    assert m.Variable.objects.get(process_instance_key=key, name="approved").value is True
    # the completed task left no one a claim on it (its candidate rows went with the write)
    assert not m.UserTaskCandidate.objects.filter(user_task__process_instance_key=key).exists()
    assert m.UserTaskCandidate.objects.filter(user_task__process_instance_key=locked_key).count() == 0
    # and a finished instance is not kept
    assert cache.get(key) is None


def test_a_task_completed_by_its_key_begins_from_the_copy(cache: Any) -> None:
    key, task_key = start()
    hits = cache.hits

    services.complete_user_task(user_task_key=task_key, variables={"approved": False})

    assert cache.hits == hits + 1
    # the instance went on to its next user task, and the copy now holds that one (revision 2)
    entry = cache.get(key)
    assert entry is not None
    assert entry.revision == revision(key) == 2
    redo = m.UserTask.objects.get(process_instance_key=key, state="CREATED")
    assert [t.key for t in entry.open_tasks] == [redo.key]
    assert redo.element_id == "redo"

    # and the next completion begins from that copy too
    services.complete_user_task(user_task_key=redo.key)
    assert cache.hits == hits + 2
    assert m.ProcessInstance.objects.get(key=key).status == "COMPLETED"


def test_a_copy_another_worker_made_outdated_is_not_written(cache: Any) -> None:
    # given an instance started here (the copy: its task assigned to kim, revision 1)
    key, task_key = start()
    stale = cache.stale

    # when another worker reassigns the task (revision 2), and this one then completes it
    other_worker().assign_user_task(task_key, "lee")
    services.complete_user_task(user_task_key=task_key, variables={"approved": True})

    # then the write from the outdated copy was refused and the unit ran again under the lock: the
    # completed task keeps lee (the copy said kim), and both commands are in the history
    assert cache.stale == stale + 1
    task = m.UserTask.objects.get(key=task_key)
    assert (task.state, task.assignee) == ("COMPLETED", "lee")
    assert revision(key) == 3
    intents = [(element, intent) for element, kind, intent in trail(key) if kind == "USER_TASK"]
    assert ("check", "ASSIGNED") in intents
    assert ("check", "COMPLETED") in intents
    assert m.ProcessInstance.objects.get(key=key).status == "COMPLETED"


def test_a_refusal_is_never_drawn_from_an_outdated_copy(cache: Any) -> None:
    # given an instance started here (the copy: waiting at "check"), which another worker then moved on to
    # "redo" (revision 2)
    key, task_key = start()
    other_worker().complete_user_task(task_key, {"approved": False})

    # when this process completes the task at "redo" (its copy has none there)
    services.complete_user_task_at(process_instance_key=key, element_id="redo")

    # then the command was not refused from the copy: the locked unit found the task and completed it
    assert m.ProcessInstance.objects.get(key=key).status == "COMPLETED"
    assert m.UserTask.objects.get(process_instance_key=key, element_id="redo").state == "COMPLETED"
    # and a refusal that holds is still given, by the locked unit
    with pytest.raises(NotFound):
        services.complete_user_task_at(process_instance_key=key, element_id="redo")


def test_a_write_rolled_back_leaves_no_copy(cache: Any) -> None:
    # given an instance started here (copy at revision 1)
    key, task_key = start()

    # when a command inside a caller's transaction completes the task (the instance moves on to "redo",
    # revision 2) and the caller rolls back
    def complete_then_give_up() -> None:
        with transaction.atomic():
            services.complete_user_task_at(
                process_instance_key=key, element_id="check", variables={"approved": False}
            )
            raise RuntimeError("the caller gives up")

    with pytest.raises(RuntimeError):
        complete_then_give_up()
    # and another worker then reassigns the task (revision 2 in the database: still at "check")
    other_worker().assign_user_task(task_key, "lee")
    services.complete_user_task_at(process_instance_key=key, element_id="check", variables={"approved": True})

    # then the completion did not begin from a copy of the rolled-back revision 2 (at "redo"): the task
    # at "check" was completed, by lee, and the instance ended
    task = m.UserTask.objects.get(key=task_key)
    assert (task.state, task.assignee) == ("COMPLETED", "lee")
    assert revision(key) == 3
    assert m.ProcessInstance.objects.get(key=key).status == "COMPLETED"
    assert not m.UserTask.objects.filter(process_instance_key=key, element_id="redo").exists()


def test_a_unit_that_needs_a_read_runs_again_under_the_lock(cache: Any) -> None:
    # given an instance started here, its task offered to the groups sales and finance
    key, task_key = start()
    assert cache.get(key) is not None
    stale = cache.stale

    # when the task is offered to ops instead (its candidate rows are rewritten: a write that must come
    # first, under the instance's lock)
    services.update_user_task(user_task_key=task_key, changeset={"candidateGroups": ["ops"]})

    # then the unit ran again locked, and the task's candidates are the new ones
    assert cache.stale == stale + 1
    rows = m.UserTaskCandidate.objects.filter(user_task_id=task_key)
    assert sorted((r.kind, r.name) for r in rows) == [("group", "ops"), ("user", "ann"), ("user", "bob")]
    assert revision(key) == 2
    # and that unit (locked, with the instance's open user tasks) left a copy of revision 2
    entry = cache.get(key)
    assert entry is not None
    assert entry.revision == 2
    assert [t.candidate_groups for t in entry.open_tasks] == [("ops",)]


def test_commands_that_read_more_than_the_instance_lock_it(cache: Any) -> None:
    # given an instance waiting at a user task and a job (a copy knows user tasks, not jobs)
    created = services.create_process_instance(bpmn_process_id="review_and_archive")
    key = created.process_instance_key
    assert cache.get(key) is not None
    hits, stale = cache.hits, cache.stale

    # when it is canceled
    services.cancel_process_instance(process_instance_key=key)

    # then the unit locked the instance from the start (no copy tried), and everything ended
    assert (cache.hits, cache.stale) == (hits, stale)
    assert m.ProcessInstance.objects.get(key=key).status == "CANCELED"
    assert not m.Job.objects.filter(process_instance_key=key, state__in=["ACTIVATABLE", "ACTIVATED"]).exists()
    assert m.UserTask.objects.get(process_instance_key=key).state == "CANCELED"
    assert cache.get(key) is None


def test_two_completions_from_one_copy_complete_once(cache: Any) -> None:
    for _ in range(5):
        # given an instance whose copy both threads of this process will begin from
        key, task_key = start()

        # when two users complete its task at the same moment
        results = run_together(
            lambda task_key=task_key: services.complete_user_task(
                user_task_key=task_key, variables={"approved": True}
            ),
            lambda key=key: services.complete_user_task_at(
                process_instance_key=key, element_id="check", variables={"approved": False}
            ),
        )

        # then one wins and the other is refused (its task is done, or no longer at "check"), and the
        # instance moved on once
        refused = [r for r in results if isinstance(r, Conflict | NotFound)]
        assert len(refused) == 1, results
        assert not any(isinstance(r, Exception) for r in results if r not in refused), results
        completions = [e for e, kind, intent in trail(key) if kind == "USER_TASK" and intent == "COMPLETED"]
        assert completions == ["check"]
        assert revision(key) == 2


def test_a_unit_that_writes_nothing_of_its_copy_still_checks_it(cache: Any) -> None:
    from django.db import DatabaseError

    from bizdevops.engine.state.writer import PendingWrites

    # given an instance at revision 1 and a write that expects it there but does not write the row
    key, _ = start()

    def flush_expecting(revision: int) -> None:
        writes = PendingWrites()
        writes.expect = (m.ProcessInstance, key, revision)
        writes.flush()

    # then the write passes at revision 1 and is refused (the guard's division by zero) at another
    flush_expecting(1)
    with pytest.raises(DatabaseError) as refused:
        flush_expecting(2)
    assert getattr(refused.value.__cause__, "sqlstate", None) == "22012"
    assert revision(key) == 1


def test_the_cache_keeps_the_most_recent_within_its_bounds() -> None:
    from bizdevops.engine.core.records import UserTaskRecord
    from bizdevops.engine.state.instance_cache import CachedInstance, InstanceCache

    def task(key: int, instance: int) -> UserTaskRecord:
        return UserTaskRecord(key, "CREATED", "check", key + 1, instance, 1, "review", 1, 0)

    kept = InstanceCache(3, max_bytes=250)
    for key in (1, 2, 3):
        kept.put(key, CachedInstance(1, "x" * 80, (task(key * 10, key),)))
    assert kept.get(1) is not None  # 1 is now the most recent: 2 goes first
    # a fourth entry of 80 bytes passes the byte budget (320 > 250): the least recent goes
    kept.put(4, CachedInstance(1, "y" * 80, (task(40, 4),)))
    assert [k for k in (1, 2, 3, 4) if kept.get(k) is not None] == [1, 3, 4]
    assert kept.bytes == 240
    assert kept.owner_of_task(20) is None
    assert kept.owner_of_task(40) == 4
    # a document over the budget is not kept, and takes the old copy of its instance with it
    kept.put(3, CachedInstance(2, "z" * 300, ()))
    assert kept.get(3) is None
    assert kept.owner_of_task(30) is None
    assert kept.bytes == 160
    # and a replaced entry's tasks no longer point to it
    kept.put(4, CachedInstance(2, "w" * 10, ()))
    assert kept.owner_of_task(40) is None
    assert kept.bytes == 90
    assert len(kept) == 2
