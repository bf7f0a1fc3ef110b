"""Message start events under concurrency on PostgreSQL: messages with one correlation key published at the
same moment start one instance of the process (Zeebe's "one active instance per correlation key"); the
others stay buffered and start one after the other as the active instance ends. Real threads, each with its
own connection, committing for real."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from bizdevops.engine import services
from bizdevops.engine.state import models as m
from tests.engine.state.test_concurrency import run_together

CORE = Path(__file__).parent.parent / "core"
pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks need PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.fixture
def deployed() -> None:
    bpmn = (CORE / "message_start_key.bpmn").read_bytes()
    services.deploy_resources(resources=[("message_start_key.bpmn", bpmn)])


def instances(correlation_key: str) -> list[m.ProcessInstance]:
    return list(
        m.ProcessInstance.objects.filter(
            bpmn_process_id="order_flow", start_correlation_key=correlation_key
        ).order_by("key")
    )


def complete_the_job_of(instance_key: int) -> None:
    jobs = services.activate_jobs(
        job_type="handle-order", worker="w", timeout_ms=60_000, max_jobs_to_activate=10
    )
    [job] = [j for j in jobs if j.process_instance_key == instance_key]
    services.complete_job(job_key=job.job_key)


@pytest.mark.parametrize("round_", range(3))
def test_messages_with_one_key_published_at_once_start_one_instance_at_a_time(
    deployed: None, round_: int
) -> None:
    # when three messages with key o-1 (buffered) are published at the same moment
    results = run_together(
        *(
            lambda n=n: services.publish_message(
                name="order-received", correlation_key="o-1", variables={"n": n}, time_to_live_ms=60_000
            )
            for n in range(3)
        )
    )
    assert all(isinstance(r, int) for r in results), results
    services.get_engine().run_pending()  # whatever a drainer had left queued
    # then exactly one instance started
    [first] = instances("o-1")
    assert first.status == "ACTIVE"
    # and each completion starts the next buffered one, until each message started exactly once
    seen = [first.state["variables"][str(first.key)]["n"]]
    for count in (2, 3):
        complete_the_job_of(instances("o-1")[-1].key)
        rows = instances("o-1")
        assert len(rows) == count
        assert [r.status for r in rows] == ["COMPLETED"] * (count - 1) + ["ACTIVE"]
        seen.append(rows[-1].state["variables"][str(rows[-1].key)]["n"])
    assert sorted(seen) == [0, 1, 2]
    complete_the_job_of(instances("o-1")[-1].key)
    assert [r.status for r in instances("o-1")] == ["COMPLETED"] * 3
    assert m.OutboxCommand.objects.count() == 0


def test_messages_with_different_keys_published_at_once_all_start(deployed: None) -> None:
    results = run_together(
        *(
            lambda n=n: services.publish_message(
                name="order-received", correlation_key=f"k-{n}", variables={"n": n}
            )
            for n in range(4)
        )
    )
    assert all(isinstance(r, int) for r in results), results
    services.get_engine().run_pending()
    rows = m.ProcessInstance.objects.filter(bpmn_process_id="order_flow")
    assert sorted(r.start_correlation_key or "" for r in rows) == ["k-0", "k-1", "k-2", "k-3"]
    assert {r.status for r in rows} == {"ACTIVE"}


def test_the_database_refuses_a_second_active_instance_for_one_key(deployed: None) -> None:
    # the safety net under the advisory lock: a partial unique index on active instances
    from django.db import IntegrityError, transaction

    services.publish_message(name="order-received", correlation_key="o-9", variables={})
    [row] = instances("o-9")
    twin = m.ProcessInstance.objects.get(key=row.key)
    twin.key = row.key + 1_000_000
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(force_insert=True)
