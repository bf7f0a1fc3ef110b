"""Concurrency on the real database with real threads: commands on one instance serialize on its row lock,
job activation skips locked rows, an expired lock hands a job out again.

Each thread uses its own database connection (Django's per-thread connections) and commits for real, so
these tests use the transactional database and PostgreSQL (SQLite has one writer and no SKIP LOCKED)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from bizdevops.engine import selectors, services
from bizdevops.engine.core.errors import Conflict, NotFound
from bizdevops.engine.state import models as m

HERE = Path(__file__).parent
pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and SKIP LOCKED need PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.fixture
def deployed() -> None:
    services.deploy_resources(resources=[("processes.bpmn", (HERE / "processes.bpmn").read_bytes())])


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Start the calls in threads released by one barrier; return each result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # the test inspects it
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def completed_count(instance_key: int, element_id: str) -> int:
    return sum(
        1
        for r in selectors.list_history_records(process_instance_key=instance_key)
        if r.element_id == element_id and r.intent == "ELEMENT_COMPLETED"
    )


def test_a_user_task_completed_twice_at_once_completes_once(deployed: None) -> None:
    # given an instance waiting at a user task
    created = services.create_process_instance(bpmn_process_id="approval")
    task = m.UserTask.objects.get(process_instance_key=created.process_instance_key)
    # when two users complete it at the same moment, with different data
    results = run_together(
        lambda: services.complete_user_task(user_task_key=task.key, variables={"by": "kim"}),
        lambda: services.complete_user_task(user_task_key=task.key, variables={"by": "lee"}),
    )
    # then exactly one wins and the other gets a conflict
    winners = [r for r in results if r is None]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    # and the loser changed nothing: one completion, one end, the winner's variable
    assert completed_count(created.process_instance_key, "approve") == 1
    assert completed_count(created.process_instance_key, "end") == 1
    assert (
        len([r for r in selectors.list_user_task_history(user_task_key=task.key) if r.intent == "COMPLETED"])
        == 1
    )
    instance = m.ProcessInstance.objects.get(key=created.process_instance_key)
    assert instance.status == "COMPLETED"
    by = m.Variable.objects.get(scope_key=created.process_instance_key, name="by").value
    assert by in {"kim", "lee"}


def test_a_user_task_completed_at_its_element_by_two_at_once_and_by_key_completes_once(
    deployed: None,
) -> None:
    # given an instance waiting at a user task
    created = services.create_process_instance(bpmn_process_id="approval")
    key = created.process_instance_key
    task = m.UserTask.objects.get(process_instance_key=key)
    # when two complete it at its element and a third by its key, at the same moment
    results = run_together(
        lambda: services.complete_user_task_at(
            process_instance_key=key, element_id="approve", variables={"by": "kim"}
        ),
        lambda: services.complete_user_task_at(
            process_instance_key=key, element_id="approve", variables={"by": "lee"}
        ),
        lambda: services.complete_user_task(user_task_key=task.key, variables={"by": "max"}),
    )
    # then exactly one wins; by element the others find no open task, by key a conflict
    winners = [r for r in results if r is None or r == task.key]
    assert len(winners) == 1, results
    assert all(isinstance(r, NotFound | Conflict) for r in results if r not in winners), results
    assert completed_count(key, "approve") == 1
    assert m.ProcessInstance.objects.get(key=key).status == "COMPLETED"
    assert m.Variable.objects.get(scope_key=key, name="by").value in {"kim", "lee", "max"}


def test_a_job_completed_twice_at_once_completes_once(deployed: None) -> None:
    created = services.create_process_instance(bpmn_process_id="work")
    [job] = services.activate_jobs(job_type="work", worker="w", timeout_ms=60_000, max_jobs_to_activate=1)
    results = run_together(
        lambda: services.complete_job(job_key=job.job_key, variables={"n": 1}),
        lambda: services.complete_job(job_key=job.job_key, variables={"n": 2}),
    )
    assert sum(r is None for r in results) == 1, results
    assert sum(isinstance(r, Conflict | NotFound) for r in results) == 1, results
    assert completed_count(created.process_instance_key, "w_task") == 1
    assert completed_count(created.process_instance_key, "w_end") == 1
    assert m.Job.objects.get(key=job.job_key).state == "COMPLETED"


@pytest.mark.parametrize("round_", range(3))
def test_two_branches_completing_together_fire_the_join_once(deployed: None, round_: int) -> None:
    # given both branches of a parallel fork waiting at their jobs
    created = services.create_process_instance(bpmn_process_id="join")
    [left] = services.activate_jobs(job_type="left", worker="a", timeout_ms=60_000, max_jobs_to_activate=1)
    [right] = services.activate_jobs(job_type="right", worker="b", timeout_ms=60_000, max_jobs_to_activate=1)
    # when both complete at the same moment
    results = run_together(
        lambda: services.complete_job(job_key=left.job_key, variables={"left": True}),
        lambda: services.complete_job(job_key=right.job_key, variables={"right": True}),
    )
    # then both succeed (they serialize on the instance row) and the join fires exactly once
    assert results == [None, None]
    key = created.process_instance_key
    assert completed_count(key, "merge") == 1
    assert m.Job.objects.filter(process_instance_key=key, type="after").count() == 1
    variables = dict(m.Variable.objects.filter(scope_key=key).values_list("name", "value"))
    assert variables["left"] is True
    assert variables["right"] is True


def test_two_workers_never_get_the_same_job(deployed: None) -> None:
    # given 30 open jobs of one type
    keys = {services.create_process_instance(bpmn_process_id="work").process_instance_key for _ in range(30)}
    got: dict[str, list[int]] = {"w1": [], "w2": []}

    def worker(name: str) -> Callable[[], None]:
        def poll() -> None:
            while True:
                jobs = services.activate_jobs(
                    job_type="work", worker=name, timeout_ms=60_000, max_jobs_to_activate=4
                )
                if not jobs:
                    return
                got[name].extend(j.job_key for j in jobs)

        return poll

    # when two workers poll the same type at the same time until nothing is left
    results = run_together(worker("w1"), worker("w2"))
    # then every job went to exactly one worker
    assert results == [None, None]
    assert not set(got["w1"]) & set(got["w2"])
    all_jobs = set(m.Job.objects.filter(type="work").values_list("key", flat=True))
    assert sorted(got["w1"] + got["w2"]) == sorted(all_jobs)
    assert len(all_jobs) == len(keys)
    # and each job row names the worker that holds it
    for name, job_keys in got.items():
        assert set(m.Job.objects.filter(key__in=job_keys).values_list("worker", flat=True)) == {name}


def test_an_expired_lock_hands_the_job_out_again_and_the_late_worker_is_refused(deployed: None) -> None:
    # given a pinned clock and a job locked by w1 for 1 s
    services.set_clock(epoch_ms=1_800_000_000_000)
    try:
        created = services.create_process_instance(bpmn_process_id="work")
        [first] = services.activate_jobs(
            job_type="work", worker="w1", timeout_ms=1000, max_jobs_to_activate=1
        )
        # while the lock holds, nobody else gets it
        assert (
            services.activate_jobs(job_type="work", worker="w2", timeout_ms=1000, max_jobs_to_activate=1)
            == []
        )
        # when the lock expires
        services.set_clock(epoch_ms=1_800_000_000_000 + 1001)
        [second] = services.activate_jobs(
            job_type="work", worker="w2", timeout_ms=60_000, max_jobs_to_activate=1
        )
        # then the same job goes to w2, with its retries unchanged
        assert second.job_key == first.job_key
        assert second.retries == first.retries
        assert m.Job.objects.get(key=first.job_key).worker == "w2"
        # and once w2 completed it, w1's late completion changes nothing
        services.complete_job(job_key=second.job_key, variables={"by": "w2"})
        with pytest.raises(Conflict):
            services.complete_job(job_key=first.job_key, variables={"by": "w1"})
        assert completed_count(created.process_instance_key, "w_task") == 1
        assert m.Variable.objects.get(scope_key=created.process_instance_key, name="by").value == "w2"
    finally:
        services.reset_clock()


def test_commands_on_different_instances_run_in_parallel(deployed: None) -> None:
    # given two instances; the first one's row is held by an open transaction (a long command)
    one = services.create_process_instance(bpmn_process_id="approval")
    two = services.create_process_instance(bpmn_process_id="approval")
    task_two = m.UserTask.objects.get(process_instance_key=two.process_instance_key)
    holding = threading.Event()
    release = threading.Event()

    def hold_first() -> None:
        from django.db import transaction

        with transaction.atomic():
            m.ProcessInstance.objects.select_for_update().get(key=one.process_instance_key)
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=lambda: (hold_first(), connections.close_all()))
    holder.start()
    try:
        assert holding.wait(10)
        # when the second instance's task is completed meanwhile, then it is not blocked by the first
        done = run_together(lambda: services.complete_user_task(user_task_key=task_two.key))
        assert done == [None]
        assert m.ProcessInstance.objects.get(key=two.process_instance_key).status == "COMPLETED"
    finally:
        release.set()
        holder.join(10)


def test_a_start_on_a_stale_cached_latest_version_is_retried_on_the_new_version(deployed: None) -> None:
    from bizdevops.engine.state import store as store_module

    # given this process has cached version 1 of "work" as the latest
    first = services.create_process_instance(bpmn_process_id="work")
    assert store_module._latest_cache["work"] == first.process_definition_key
    # when another process deploys version 2 (so this process's cache is not told) and we start "work"
    changed = (HERE / "processes.bpmn").read_text().replace('name="Work"', 'name="Work v2"')
    deployment = services.deploy_resources(resources=[("processes.bpmn", changed.encode())])
    newest = next(p for p in deployment.processes if p.bpmn_process_id == "work")
    store_module._latest_cache["work"] = first.process_definition_key  # what the other process left us
    second = services.create_process_instance(bpmn_process_id="work")
    # then the guarded write refused the stale version and the retry started the new one
    assert newest.version == 2
    assert second.process_definition_key == newest.key
    assert second.version == 2
    assert m.ProcessInstance.objects.filter(bpmn_process_id="work", version=1).count() == 1
