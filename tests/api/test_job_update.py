"""PATCH /v2/jobs/{jobKey}: Camunda's JobChangeset (retries, timeout, priority), all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizdevops.engine.state import models as m

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def dev(api):  # type: ignore[no-untyped-def]
    client = api("Developer", username="dev")
    files = [SimpleUploadedFile("api_service.bpmn", (FIXTURES / "api_service.bpmn").read_bytes())]
    assert client.post("/v2/deployments", {"resources": files}, format="multipart").status_code == 200
    return client


def open_job(client: Any, *, activate: bool = False) -> m.Job:
    response = client.post("/v2/process-instances", {"processDefinitionId": "api_service"}, format="json")
    assert response.status_code == 200, response.content
    instance_key = int(response.json()["processInstanceKey"])
    if activate:
        body = {"type": "api-work", "timeout": 30_000, "maxJobsToActivate": 1, "requestTimeout": -1}
        assert len(client.post("/v2/jobs/activation", body, format="json").json()["jobs"]) == 1
    return m.Job.objects.get(process_instance_key=instance_key)


def columns(job: m.Job) -> tuple[Any, ...]:
    job.refresh_from_db()
    return (job.state, job.retries, job.priority, job.deadline)


def patch(client: Any, job: m.Job, changeset: dict[str, Any]) -> Any:
    return client.patch(f"/v2/jobs/{job.key}", {"changeset": changeset}, format="json")


def test_priority_is_updated_and_searchable(dev) -> None:  # type: ignore[no-untyped-def]
    # given an open job with the default priority
    job = open_job(dev)
    assert job.priority == 0
    # when its priority and retries change
    response = patch(dev, job, {"priority": 80, "retries": 7})
    # then both are stored and the job search shows them
    assert response.status_code == 204, response.content
    job.refresh_from_db()
    assert (job.priority, job.retries) == (80, 7)
    found = dev.post("/v2/jobs/search", {"filter": {"priority": 80}}, format="json").json()["items"]
    assert [(item["jobKey"], item["priority"]) for item in found] == [(str(job.key), 80)]


def test_timeout_extends_the_lock_of_an_activated_job(dev) -> None:  # type: ignore[no-untyped-def]
    job = open_job(dev, activate=True)
    before = columns(job)[3]
    assert patch(dev, job, {"timeout": 600_000}).status_code == 204
    assert columns(job)[3] > before


def test_a_refused_part_changes_nothing(dev) -> None:  # type: ignore[no-untyped-def]
    # given a job that is not activated: its timeout cannot change
    job = open_job(dev)
    before = columns(job)
    # when retries, priority and timeout are sent together
    response = patch(dev, job, {"retries": 9, "priority": 5, "timeout": 1000})
    # then the request is a conflict and the retries and priority stay as they were
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert columns(job) == before


@pytest.mark.parametrize(
    "changeset",
    [{}, {"priority": None}, {"priority": 2**31}, {"priority": "high"}, {"retries": -1}, {"timeout": -5}],
    ids=["empty", "all-null", "priority-overflow", "priority-text", "negative-retries", "negative-timeout"],
)
def test_bad_changesets_are_400_and_change_nothing(dev, changeset) -> None:  # type: ignore[no-untyped-def]
    job = open_job(dev)
    before = columns(job)
    response = patch(dev, job, changeset)
    assert response.status_code == 400, response.content
    assert columns(job) == before


def test_finished_jobs_cannot_be_updated(dev) -> None:  # type: ignore[no-untyped-def]
    job = open_job(dev, activate=True)
    assert dev.post(f"/v2/jobs/{job.key}/completion", {}, format="json").status_code == 204
    before = columns(job)
    assert patch(dev, job, {"priority": 3}).status_code in (404, 409)
    assert columns(job) == before
    assert patch(dev, job, {"priority": 3}).json()["status"] in (404, 409)


def test_unknown_job_is_404(dev) -> None:  # type: ignore[no-untyped-def]
    assert dev.patch("/v2/jobs/42", {"changeset": {"priority": 1}}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("Developer", True), ("Operator", True), ("Admin", True), ("Analyst", False), ("Employee", False)],
)
def test_job_update_needs_operate_or_work_jobs(api, dev, role, allowed) -> None:  # type: ignore[no-untyped-def]
    job = open_job(dev)
    before = columns(job)
    response = patch(api(role), job, {"priority": 42})
    if allowed:
        assert response.status_code == 204
        assert columns(job)[2] == 42
    else:
        assert response.status_code == 403
        assert columns(job) == before
