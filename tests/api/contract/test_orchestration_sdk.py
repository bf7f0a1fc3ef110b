"""camunda-orchestration-sdk (major 10, pinned in the dev dependencies) against the live site: the SDK validates
every response strictly, so each call here also checks our shapes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

sdk = pytest.importorskip("camunda_orchestration_sdk")
from camunda_orchestration_sdk import CamundaAsyncClient, CamundaClient  # noqa: E402
from camunda_orchestration_sdk.errors import UnauthorizedError  # noqa: E402
from camunda_orchestration_sdk.models import (  # noqa: E402
    CancelProcessInstanceRequest,
    DecisionEvaluationByID,
    JobActivationRequest,
    JobCompletionRequest,
    MessagePublicationRequest,
    ProcessCreationById,
    ProcessInstanceSearchQuery,
    UserTaskAssignmentRequest,
    UserTaskCompletionRequest,
    UserTaskSearchQuery,
)
from camunda_orchestration_sdk.runtime.job_worker import WorkerConfig  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


def _config(base: str, username: str, password: str) -> dict[str, Any]:
    return {
        "CAMUNDA_REST_ADDRESS": base,
        "CAMUNDA_AUTH_STRATEGY": "BASIC",
        "CAMUNDA_BASIC_AUTH_USERNAME": username,
        "CAMUNDA_BASIC_AUTH_PASSWORD": password,
    }


def _wait_for(predicate: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def _state(client: CamundaClient, key: Any) -> str:
    return str(client.get_process_instance(process_instance_key=key).state.value)


def test_sync_client_full_round(api_site, site_user, resources, unique) -> None:  # type: ignore[no-untyped-def]
    developer = site_user("Developer")
    employee = site_user("Employee")
    with CamundaClient(configuration=_config(api_site, *developer)) as client:
        # topology and a deployment of BPMN + DMN + form in one call
        topology = client.get_topology()
        assert topology.brokers[0].partitions[0].state
        deployed = client.deploy_resources_from_files(
            resources("api_flow.bpmn", "api_discount.dmn", "api-approve.form")
        )
        assert len(deployed.processes) == 1
        assert len(deployed.decisions) == 1
        assert len(deployed.forms) == 1

        # start an instance by id with variables
        created = client.create_process_instance(
            data=ProcessCreationById.from_dict(
                {"processDefinitionId": f"api_flow_{unique}", "variables": {"orderId": f"o-{unique}"}}
            )
        )
        key = created.process_instance_key

        # work the service task job
        activated = client.activate_jobs(
            data=JobActivationRequest.from_dict(
                {
                    "type": f"api-prepare_{unique}",
                    "timeout": 30_000,
                    "maxJobsToActivate": 5,
                    "worker": "sdk",
                    "requestTimeout": 2000,
                }
            )
        )
        assert len(activated.jobs) == 1
        job = activated.jobs[0]
        assert job.process_instance_key == key
        client.complete_job(
            job_key=job.job_key, data=JobCompletionRequest.from_dict({"variables": {"ready": 1}})
        )

    # the employee finds, claims and completes the user task
    with CamundaClient(configuration=_config(api_site, *employee)) as worker_client:
        found = worker_client.search_user_tasks(
            data=UserTaskSearchQuery.from_dict({"filter": {"processInstanceKey": str(key)}})
        )
        assert len(found.items) == 1
        task = found.items[0]
        worker_client.assign_user_task(
            user_task_key=task.user_task_key, data=UserTaskAssignmentRequest(assignee=employee[0])
        )
        worker_client.complete_user_task(
            user_task_key=task.user_task_key,
            data=UserTaskCompletionRequest.from_dict({"variables": {"approved": True}}),
        )

    with CamundaClient(configuration=_config(api_site, *developer)) as client:
        # the message completes the instance
        published = client.publish_message(
            data=MessagePublicationRequest.from_dict({"name": "paid", "correlationKey": f"o-{unique}"})
        )
        assert str(published.message_key).isdigit()
        _wait_for(lambda: _state(client, key) == "COMPLETED")

        # search sees it
        page = client.search_process_instances(
            data=ProcessInstanceSearchQuery.from_dict(
                {"filter": {"processDefinitionId": f"api_flow_{unique}"}}
            )
        )
        assert [str(i.process_instance_key) for i in page.items] == [str(key)]

        # the decision evaluates with its matched rule
        evaluation = client.evaluate_decision(
            data=DecisionEvaluationByID.from_dict(
                {"decisionDefinitionId": f"api_discount_{unique}", "variables": {"customerType": "gold"}}
            )
        )
        assert evaluation.output == "0.2"
        assert evaluation.evaluated_decisions[0].matched_rules[0].rule_id == "Rule_gold"

        # a second instance is canceled
        other = client.create_process_instance(
            data=ProcessCreationById.from_dict(
                {"processDefinitionId": f"api_flow_{unique}", "variables": {"orderId": "x"}}
            )
        )
        # (SDK 10.0.1 cannot send this call without a body: it serializes UNSET)
        client.cancel_process_instance(
            process_instance_key=other.process_instance_key, data=CancelProcessInstanceRequest()
        )
        assert _state(client, other.process_instance_key) == "TERMINATED"


def test_async_client_job_worker_completes_instances(api_site, site_user, resources, unique) -> None:  # type: ignore[no-untyped-def]
    developer = site_user("Developer")
    seen: list[int] = []

    async def handle(job: Any) -> dict[str, Any]:
        amount = job.variables.to_dict()["amount"]
        seen.append(amount)
        return {"doubled": amount * 2}

    async def scenario() -> list[str]:
        async with CamundaAsyncClient(configuration=_config(api_site, *developer)) as client:
            await client.deploy_resources_from_files(resources("api_service.bpmn"))
            keys = []
            for amount in (1, 2, 3):
                created = await client.create_process_instance(
                    data=ProcessCreationById.from_dict(
                        {"processDefinitionId": f"api_service_{unique}", "variables": {"amount": amount}}
                    )
                )
                keys.append(created.process_instance_key)
            client.create_job_worker(
                config=WorkerConfig(
                    job_type=f"api-work_{unique}",
                    job_timeout_milliseconds=30_000,
                    request_timeout_milliseconds=2_000,
                ),
                callback=handle,
            )
            runner = asyncio.create_task(client.run_workers())
            deadline = time.monotonic() + 20
            states: list[str] = []
            while time.monotonic() < deadline:
                states = [
                    str((await client.get_process_instance(process_instance_key=k)).state.value) for k in keys
                ]
                if all(s == "COMPLETED" for s in states):
                    break
                await asyncio.sleep(0.1)
            runner.cancel()
            try:
                await runner
            except asyncio.CancelledError:
                pass
            return states

    states = asyncio.run(scenario())
    assert states == ["COMPLETED"] * 3
    assert sorted(seen) == [1, 2, 3]


def test_oauth_client_credentials_strategy(api_site, committed_db, unique, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bizdevops.identity.tokens import create_api_client

    new = create_api_client(name=f"sdk-{unique}", roles=["Developer"])
    config = {
        "CAMUNDA_REST_ADDRESS": api_site,
        "CAMUNDA_AUTH_STRATEGY": "OAUTH",
        "CAMUNDA_OAUTH_URL": f"{api_site}/oauth/token",
        "CAMUNDA_CLIENT_ID": new.client.client_id,
        "CAMUNDA_CLIENT_SECRET": new.client_secret,
        "CAMUNDA_TOKEN_AUDIENCE": "zeebe-api",
        "CAMUNDA_TOKEN_DISK_CACHE_DISABLE": True,
    }
    with CamundaClient(configuration=config) as client:
        assert client.get_topology().cluster_size == 1


def test_wrong_password_is_an_error_in_the_sdk(api_site, site_user) -> None:  # type: ignore[no-untyped-def]
    username, _ = site_user("Developer")
    with (
        CamundaClient(configuration=_config(api_site, username, "wrong")) as client,
        pytest.raises(UnauthorizedError),
    ):
        client.get_topology()


def test_modify_and_migrate_with_the_sdk(api_site, site_user, unique, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from camunda_orchestration_sdk.errors import BadRequestError, ConflictError
    from camunda_orchestration_sdk.models import (
        ProcessInstanceMigrationInstruction,
        ProcessInstanceModificationInstruction,
    )

    core = Path(__file__).parent.parent.parent / "engine" / "core"
    files = []
    for name in ("migration_v1.bpmn", "migration_v2.bpmn"):
        text = (core / name).read_text()
        text = text.replace('id="migration"', f'id="migration_{unique}"').replace(
            'type="a"', f'type="a_{unique}"'
        )
        path = tmp_path / name
        path.write_text(text.replace('name="cancel"', f'name="cancel_{unique}"'))
        files.append(path)
    with CamundaClient(configuration=_config(api_site, *site_user("Developer"))) as client:
        client.deploy_resources_from_files([files[0]])
        created = client.create_process_instance(
            data=ProcessCreationById.from_dict(
                {"processDefinitionId": f"migration_{unique}", "variables": {"key": unique}}
            )
        )
        key = created.process_instance_key
        v2 = client.deploy_resources_from_files([files[1]]).processes[0].process_definition_key

        # an unknown element is a 400 the SDK reports as such
        with pytest.raises(BadRequestError):
            client.modify_process_instance(
                process_instance_key=key,
                data=ProcessInstanceModificationInstruction.from_dict(
                    {"activateInstructions": [{"elementId": "nope"}]}
                ),
            )
        # terminate task_a by element id: the subprocess keeps the instance running
        client.modify_process_instance(
            process_instance_key=key,
            data=ProcessInstanceModificationInstruction.from_dict(
                {"terminateInstructions": [{"elementId": "task_a"}]}
            ),
        )
        assert _state(client, key) == "ACTIVE"

        mapping = [{"sourceElementId": "sub", "targetElementId": "sub2"}]
        # the active task_b is not mapped: Zeebe's INVALID_STATE, a 409
        with pytest.raises(ConflictError):
            client.migrate_process_instance(
                process_instance_key=key,
                data=ProcessInstanceMigrationInstruction.from_dict(
                    {"targetProcessDefinitionKey": str(v2), "mappingInstructions": mapping}
                ),
            )
        mapping.append({"sourceElementId": "task_b", "targetElementId": "task_b2"})
        client.migrate_process_instance(
            process_instance_key=key,
            data=ProcessInstanceMigrationInstruction.from_dict(
                {"targetProcessDefinitionKey": str(v2), "mappingInstructions": mapping}
            ),
        )
        migrated = client.get_process_instance(process_instance_key=key)
        assert (str(migrated.process_definition_key), migrated.process_definition_version) == (str(v2), 2)
        # the migrated boundary message ends the subprocess on v2's path
        client.publish_message(
            data=MessagePublicationRequest.from_dict({"name": f"cancel_{unique}", "correlationKey": unique})
        )
        _wait_for(lambda: _state(client, key) == "COMPLETED")
