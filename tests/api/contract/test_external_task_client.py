"""Camunda 7's `camunda-external-task-client-python3` (4.5.0) against /engine-rest on the live site."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

pytest.importorskip("camunda")
from camunda.client.engine_client import EngineClient  # noqa: E402
from camunda.client.external_task_client import ExternalTaskClient  # noqa: E402
from camunda.external_task.external_task_worker import ExternalTaskWorker  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


def _deploy(base: str, auth: tuple[str, str], paths: list[Any]) -> None:
    files = [("resources", (p.name, p.read_bytes())) for p in paths]
    response = requests.post(f"{base}/v2/deployments", files=files, auth=auth, timeout=30)
    assert response.status_code == 200, response.text


def _state(base: str, auth: tuple[str, str], key: str) -> str:
    return requests.get(f"{base}/v2/process-instances/{key}", auth=auth, timeout=10).json()["state"]


def test_worker_fetches_completes_and_messages(api_site, site_user, resources, unique) -> None:  # type: ignore[no-untyped-def]
    username, password = site_user("Developer")
    auth = (username, password)
    config = {
        "auth_basic": {"username": username, "password": password},
        "maxTasks": 5,
        "asyncResponseTimeout": 3000,
        "lockDuration": 10_000,
    }
    engine_rest = f"{api_site}/engine-rest"
    _deploy(api_site, auth, resources("api_service.bpmn", "api_flow.bpmn"))
    engine = EngineClient(engine_rest, config=config)

    # start by key with typed variables (as Camunda 7 does)
    started = engine.start_process(
        f"api_service_{unique}", {"amount": 21, "customer": {"name": "Kim"}}, business_key=f"bk-{unique}"
    )
    key = started["id"]
    assert started["ended"] is False

    # the worker fetches (long polling), sees typed variables and completes
    seen: dict[str, Any] = {}

    def handle(task: Any) -> Any:
        seen["amount"] = task.get_variable("amount")
        seen["customer"] = task.get_variable("customer")
        seen["header"] = task.get_extension_property("region")
        return task.complete({"doubled": seen["amount"] * 2, "receipt": {"id": 7}})

    worker = ExternalTaskWorker(worker_id="c7-worker", base_url=engine_rest, config=config)
    worker.fetch_and_execute(f"api-work_{unique}", handle)
    assert seen["amount"] == 21
    assert seen["customer"] == '{"name": "Kim"}'  # Json travels as JSON text, as in Camunda 7
    assert seen["header"] == "eu"
    assert _state(api_site, auth, key) == "COMPLETED"
    variables = requests.post(
        f"{api_site}/v2/variables/search", auth=auth, timeout=10, json={"filter": {"processInstanceKey": key}}
    ).json()["items"]
    assert {v["name"]: v["value"] for v in variables}["receipt"] == '{"id": 7}'

    # a BPMN error is caught by the boundary event
    flow = engine.start_process(f"api_flow_{unique}", {"orderId": f"o-{unique}"})
    worker.fetch_and_execute(f"api-prepare_{unique}", lambda task: task.bpmn_error("REJECTED", "no stock"))
    assert _state(api_site, auth, flow["id"]) == "COMPLETED"


def test_failure_back_off_extend_lock_and_message(api_site, site_user, resources, unique) -> None:  # type: ignore[no-untyped-def]
    username, password = site_user("Developer")
    auth = (username, password)
    config = {
        "auth_basic": {"username": username, "password": password},
        "asyncResponseTimeout": 0,
        "lockDuration": 5_000,
    }
    engine_rest = f"{api_site}/engine-rest"
    _deploy(api_site, auth, resources("api_flow.bpmn", "api-approve.form"))
    engine = EngineClient(engine_rest, config=config)
    client = ExternalTaskClient("c7-worker", engine_rest, config)
    flow = engine.start_process(f"api_flow_{unique}", {"orderId": f"o-{unique}"})

    # fail once with a retry timeout: the task is hidden until then
    task = client.fetch_and_lock(f"api-prepare_{unique}")[0]
    assert client.failure(task["id"], "flaky", "details", retries=1, retry_timeout=60_000)
    assert client.fetch_and_lock(f"api-prepare_{unique}") == []

    # give the retry back now (v2 job update), fetch again, extend the lock, complete
    response = requests.patch(
        f"{api_site}/v2/jobs/{task['id']}", auth=auth, timeout=10, json={"changeset": {"retries": 1}}
    )
    assert response.status_code == 204
    admin = site_user("Admin")
    pinned = requests.put(
        f"{api_site}/v2/clock", auth=admin, timeout=10, json={"timestamp": int(time.time() * 1000) + 120_000}
    )
    assert pinned.status_code == 204
    try:
        again = client.fetch_and_lock(f"api-prepare_{unique}")
    finally:
        requests.post(f"{api_site}/v2/clock/reset", auth=admin, timeout=10)
    assert [t["id"] for t in again] == [task["id"]]
    extend = requests.post(
        f"{engine_rest}/external-task/{task['id']}/extendLock",
        auth=auth,
        timeout=10,
        json={"workerId": "c7-worker", "newDuration": 60_000},
    )
    assert extend.status_code == 204
    wrong_worker = requests.post(
        f"{engine_rest}/external-task/{task['id']}/extendLock",
        auth=auth,
        timeout=10,
        json={"workerId": "intruder", "newDuration": 60_000},
    )
    assert wrong_worker.status_code == 400
    assert "message" in wrong_worker.json()
    assert client.complete(task["id"], {})

    # the user task, then the message by correlation key (Camunda 7's correlationKeys)
    task_key = requests.post(
        f"{api_site}/v2/user-tasks/search",
        auth=auth,
        timeout=10,
        json={"filter": {"processInstanceKey": flow["id"]}},
    ).json()["items"][0]["userTaskKey"]
    requests.post(f"{api_site}/v2/user-tasks/{task_key}/completion", auth=auth, timeout=10, json={})
    result = engine.correlate_message(
        "paid", process_instance_id=flow["id"], process_variables={"paid": True}
    )
    assert result[0]["execution"]["processInstanceId"] == flow["id"]
    assert _state(api_site, auth, flow["id"]) == "COMPLETED"


def test_external_tasks_need_the_worker_role(api_site, site_user, unique) -> None:  # type: ignore[no-untyped-def]
    username, password = site_user("Analyst")
    config = {"auth_basic": {"username": username, "password": password}, "asyncResponseTimeout": 0}
    client = ExternalTaskClient("c7-worker", f"{api_site}/engine-rest", config)
    with pytest.raises(Exception, match="403"):  # the client raises a bare Exception with the status
        client.fetch_and_lock(f"anything-{unique}")
