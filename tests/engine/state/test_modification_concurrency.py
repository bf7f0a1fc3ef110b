"""Modification and migration lock the instance row like every command: racing a job completion, exactly one
of the two wins and the loser changes nothing (real threads, real PostgreSQL transactions)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from bizdevops.engine import services
from bizdevops.engine.core.commands import ActivateInstruction, TerminateInstruction
from bizdevops.engine.core.errors import Conflict, InvalidArgument, NotFound
from bizdevops.engine.state import models as m
from tests.engine.state.test_concurrency import run_together

CORE = Path(__file__).parent.parent / "core"
pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (DATABASE_URL=postgres://...)")


def active_elements(key: int) -> list[str]:
    state = m.ProcessInstance.objects.get(key=key).state
    return sorted(e["elementId"] for e in state["elements"])


@pytest.mark.parametrize("round_", range(3))
def test_modification_racing_a_job_completion(round_: int) -> None:
    services.deploy_resources(resources=[("modification.bpmn", (CORE / "modification.bpmn").read_bytes())])
    key = services.create_process_instance(bpmn_process_id="modification").process_instance_key
    [job] = services.activate_jobs(job_type="a", worker="w", timeout_ms=60_000, max_jobs=1)
    task_a = next(
        e["key"]
        for e in m.ProcessInstance.objects.get(key=key).state["elements"]
        if e["elementId"] == "task_a"
    )
    results = run_together(
        lambda: services.complete_job(job_key=job.job_key),
        lambda: services.modify_process_instance(
            process_instance_key=key,
            activate=[ActivateInstruction("task_d")],
            terminate=[TerminateInstruction(task_a)],
        ),
    )
    completed, modified = results
    assert (completed is None) != (modified is None), results
    if completed is None:
        # the job won: the modification found task_a gone and changed nothing
        assert isinstance(modified, InvalidArgument), results
        assert active_elements(key) == ["modification", "sub", "task_c"]
        assert m.Job.objects.get(key=job.job_key).state == "COMPLETED"
    else:
        assert isinstance(completed, (Conflict, NotFound)), results
        assert active_elements(key) == ["modification", "task_d"]
        assert m.Job.objects.get(key=job.job_key).state == "CANCELED"
    modification_won = completed is not None
    assert (
        m.UserTask.objects.filter(process_instance_key=key, element_id="task_d").exists() == modification_won
    )


@pytest.mark.parametrize("round_", range(3))
def test_migration_racing_a_job_completion_ends_as_one_of_the_two_orders(round_: int) -> None:
    services.deploy_resources(resources=[("v1.bpmn", (CORE / "migration_v1.bpmn").read_bytes())])
    key = services.create_process_instance(
        bpmn_process_id="migration", variables={"key": "k"}
    ).process_instance_key
    v2 = services.deploy_resources(resources=[("v2.bpmn", (CORE / "migration_v2.bpmn").read_bytes())])
    [job] = services.activate_jobs(job_type="a", worker="w", timeout_ms=60_000, max_jobs=1)
    mapping = [("task_a", "task_a2"), ("sub", "sub2"), ("task_b", "task_b2"), ("sub_cancel", "sub_cancel2")]
    results = run_together(
        lambda: services.complete_job(job_key=job.job_key),
        lambda: services.migrate_process_instance(
            process_instance_key=key,
            target_process_definition_key=v2.processes[0].key,
            mapping=mapping,
        ),
    )
    assert results == [None, None]
    # migrated first: the job completed on v2's path (review); completed first: v1's end, then migrated
    assert active_elements(key) in (
        ["migration", "review", "sub2", "task_b2"],
        ["migration", "sub2", "task_b2"],
    )
    row = m.ProcessInstance.objects.get(key=key)
    assert (row.process_definition_id, row.version) == (v2.processes[0].key, 2)
