"""A job lock timeout or retry back-off too long to be a date (the fuzzer found an activation timeout that
overflowed into a 500) is a 400 problem and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from bizdevops.engine.core.runtime import MAX_JOB_DURATION_MS
from bizdevops.engine.state import models as m
from tests.api.test_operations import activate, deploy, start

pytestmark = pytest.mark.django_db(transaction=True)

HUGE = 2**62


@pytest.fixture
def job(api) -> tuple[Any, dict[str, Any]]:  # type: ignore[no-untyped-def]
    client = api("Developer", username="dev")
    deploy(client, "api_service.bpmn")
    start(client, "api_service", orderId="o-1")
    [activated] = activate(client, "api-work", 1)
    return client, activated


def _snapshot() -> list[tuple[Any, ...]]:
    return list(m.Job.objects.order_by("key").values_list("key", "state", "deadline", "retries", "worker"))


def assert_bad_request(response: Any, name: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert f"{name} must be at most {MAX_JOB_DURATION_MS} ms" in response.json()["detail"]


def test_an_activation_timeout_beyond_ten_years_is_refused(job) -> None:  # type: ignore[no-untyped-def]
    client, _ = job
    start(client, "api_service", orderId="o-2")
    before = _snapshot()
    body = {"type": "api-work", "timeout": HUGE, "maxJobsToActivate": 5, "worker": "w", "requestTimeout": -1}
    assert_bad_request(client.post("/v2/jobs/activation", body, format="json"), "timeout")
    assert _snapshot() == before


def test_a_lock_extension_or_retry_back_off_beyond_ten_years_is_refused(job) -> None:  # type: ignore[no-untyped-def]
    client, activated = job
    key = activated["jobKey"]
    before = _snapshot()
    patch = client.patch(f"/v2/jobs/{key}", {"changeset": {"timeout": HUGE}}, format="json")
    assert_bad_request(patch, "timeout")
    failure = client.post(f"/v2/jobs/{key}/failure", {"retries": 2, "retryBackOff": HUGE}, format="json")
    assert_bad_request(failure, "retryBackOff")
    assert _snapshot() == before


def test_camunda7_lock_durations_beyond_ten_years_are_refused(job) -> None:  # type: ignore[no-untyped-def]
    client, activated = job
    start(client, "api_service", orderId="o-3")
    before = _snapshot()
    fetch = {"workerId": "w", "maxTasks": 1, "topics": [{"topicName": "api-work", "lockDuration": HUGE}]}
    response = client.post("/engine-rest/external-task/fetchAndLock", fetch, format="json")
    assert response.status_code == 400, response.content
    extend = {"workerId": activated["worker"], "newDuration": HUGE}
    response = client.post(
        f"/engine-rest/external-task/{activated['jobKey']}/extendLock", extend, format="json"
    )
    assert response.status_code == 400, response.content
    assert _snapshot() == before
