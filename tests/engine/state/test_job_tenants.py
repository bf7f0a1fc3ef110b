"""Job activation for some tenants only takes those tenants' jobs: another tenant's job is neither returned
nor locked away from its own workers (it stays activatable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bizdevops.engine import services
from bizdevops.engine.state import models as m

HERE = Path(__file__).parent
pytestmark = [pytest.mark.django_db]


def test_activation_for_one_tenant_leaves_other_tenants_jobs_alone() -> None:
    # given a process deployed for each of two tenants, one instance each, both waiting at a "work" job
    source = (HERE / "processes.bpmn").read_bytes()
    keys = {}
    for tenant, process_id in (("tenant-a", "work"), ("tenant-b", "work_b")):
        copy = source.replace(b'<bpmn:process id="work"', f'<bpmn:process id="{process_id}"'.encode())
        services.deploy_resources(resources=[(f"{process_id}.bpmn", copy)], tenant_id=tenant)
        definition = m.ProcessDefinition.objects.get(bpmn_process_id=process_id, tenant_id=tenant)
        created = services.create_process_instance(definition=definition, tenant_id=tenant)
        keys[tenant] = created.process_instance_key
    # when a worker of tenant-b activates "work" jobs (tenant-a's job is the older one)
    jobs = services.activate_jobs(
        job_type="work",
        worker="b-worker",
        timeout_ms=60_000,
        max_jobs_to_activate=10,
        tenant_ids=["tenant-b"],
    )
    # then it gets tenant-b's job only, and tenant-a's job is still there for tenant-a's workers
    assert [job.process_instance_key for job in jobs] == [keys["tenant-b"]]
    other = m.Job.objects.get(process_instance_key=keys["tenant-a"])
    assert other.state == m.JobState.ACTIVATABLE
    assert other.worker == ""
    mine = services.activate_jobs(
        job_type="work",
        worker="a-worker",
        timeout_ms=60_000,
        max_jobs_to_activate=10,
        tenant_ids=["tenant-a"],
    )
    assert [job.process_instance_key for job in mine] == [keys["tenant-a"]]
