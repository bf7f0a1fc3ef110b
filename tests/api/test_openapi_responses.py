"""The OpenAPI document's response schemas are tight and honest.

Tight: each result schema requires at least the fields Camunda's spec marks required, as the generated
camunda-orchestration-sdk (the client we target) reads them with `pop_required`.
Honest: real responses of every documented operation validate against the document (required fields present,
types and nullability as declared).
"""

from __future__ import annotations

import copy
import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.test_start_forms import bpmn

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"
ALL = ("api_service.bpmn", "api_flow.bpmn", "api-approve.form", "api_discount.dmn", "api_signal.bpmn")

# our component → the SDK model holding Camunda's required fields
SDK_MODELS = {
    "ProcessDefinitionResult": "process_definition_result",
    "ProcessInstanceResult": "process_instance_result",
    "CreateProcessInstanceResult": "create_process_instance_result",
    "JobSearchResult": "job_search_result",
    "ActivatedJobResult": "activated_job_result",
    "JobActivationResult": "job_activation_result",
    "UserTaskResult": "user_task_result",
    "IncidentResult": "incident_result",
    "VariableResult": "variable_result",
    "VariableSearchResult": "variable_search_result",
    "DecisionDefinitionResult": "decision_definition_result",
    "DecisionRequirementsResult": "decision_requirements_result",
    "FormResult": "form_result",
    "EvaluateDecisionResult": "evaluate_decision_result",
    "EvaluatedDecisionResult": "evaluated_decision_result",
    "MatchedDecisionRuleItem": "matched_decision_rule_item",
    "EvaluatedDecisionInputItem": "evaluated_decision_input_item",
    "EvaluatedDecisionOutputItem": "evaluated_decision_output_item",
    "DeploymentResult": "deployment_result",
    "DeploymentProcessResult": "deployment_process_result",
    "DeploymentDecisionResult": "deployment_decision_result",
    "DeploymentDecisionRequirementsResult": "deployment_decision_requirements_result",
    "DeploymentFormResult": "deployment_form_result",
    "MessagePublicationResult": "message_publication_result",
    "MessageCorrelationResult": "message_correlation_result",
    "SignalBroadcastResult": "signal_broadcast_result",
    "ElementInstanceResult": "element_instance_result",
    "SearchQueryPageResponse": "search_query_page_response",
}


def sdk_required(module: str) -> set[str]:
    model = importlib.import_module(f"camunda_orchestration_sdk.models.{module}")
    return set(re.findall(r'pop_required\("(\w+)"\)', inspect.getsource(model)))


def as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a union with null."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            return {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture
def document(api) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = api().get("/v2/api-docs/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_result_schemas_require_what_camunda_requires(document) -> None:  # type: ignore[no-untyped-def]
    schemas = document["components"]["schemas"]
    missing = {
        name: sorted(sdk_required(module) - set(schemas[name].get("required", [])))
        for name, module in SDK_MODELS.items()
    }
    assert {name: fields for name, fields in missing.items() if fields} == {}


def test_every_json_operation_documents_its_result(document) -> None:  # type: ignore[no-untyped-def]
    loose = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                schema = (response.get("content") or {}).get("application/json", {}).get("schema")
                if schema is None or not path.startswith("/v2/"):
                    continue
                name = schema.get("$ref", "").rsplit("/", 1)[-1]
                properties = document["components"]["schemas"].get(name, {}).get("properties", {})
                # the old placeholders declared one "key" field (or an untyped list of objects)
                if set(properties) <= {"key"} or properties.get("items", {}).get("items", {}).get("type"):
                    loose.append(f"{method.upper()} {path} {status}")
    assert loose == []


class Checker:
    """Validates responses against the document's schema of their operation."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components = as_json_schema(copy.deepcopy(document["components"]))
        self.checked: set[str] = set()

    def check(self, template: str, method: str, response: Any) -> dict[str, Any]:
        assert response.status_code == 200, (template, response.content)
        operation = self.document["paths"][template][method]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        body = response.json()
        jsonschema.validate(body, {**as_json_schema(schema), "components": self.components})
        self.checked.add(f"{method.upper()} {template}")
        return body  # type: ignore[no-any-return]


def test_real_responses_match_the_document(api, document) -> None:  # type: ignore[no-untyped-def]
    dev = api("Developer", username="dev")
    employee = api("Employee", username="kim")
    checker = Checker(document)

    # deployments, definitions, forms
    files = [SimpleUploadedFile(n, (FIXTURES / n).read_bytes()) for n in ALL]
    start_form = '<zeebe:formDefinition formId="api-approve-form" />'
    files.append(SimpleUploadedFile("api_start.bpmn", bpmn("api_start", start_form)))
    deployed = checker.check(
        "/v2/deployments", "post", dev.post("/v2/deployments", {"resources": files}, format="multipart")
    )
    form_key = next(i["form"]["formKey"] for i in deployed["deployments"] if "form" in i)
    definitions = checker.check(
        "/v2/process-definitions/search",
        "post",
        dev.post("/v2/process-definitions/search", {}, format="json"),
    )
    definition_key = definitions["items"][0]["processDefinitionKey"]
    checker.check(
        "/v2/process-definitions/{key}", "get", dev.get(f"/v2/process-definitions/{definition_key}")
    )
    decisions = checker.check(
        "/v2/decision-definitions/search",
        "post",
        dev.post("/v2/decision-definitions/search", {}, format="json"),
    )
    decision_key = decisions["items"][0]["decisionDefinitionKey"]
    checker.check(
        "/v2/decision-definitions/{key}", "get", dev.get(f"/v2/decision-definitions/{decision_key}")
    )
    drgs = checker.check(
        "/v2/decision-requirements/search",
        "post",
        dev.post("/v2/decision-requirements/search", {}, format="json"),
    )
    drg_key = drgs["items"][0]["decisionRequirementsKey"]
    checker.check("/v2/decision-requirements/{key}", "get", dev.get(f"/v2/decision-requirements/{drg_key}"))
    checker.check("/v2/forms/{key}", "get", dev.get(f"/v2/forms/{form_key}"))
    start_key = next(
        i["processDefinition"]["processDefinitionKey"]
        for i in deployed["deployments"]
        if i.get("processDefinition", {}).get("processDefinitionId") == "api_start"
    )
    started_form = checker.check(
        "/v2/process-definitions/{key}/form", "get", dev.get(f"/v2/process-definitions/{start_key}/form")
    )
    assert started_form["formKey"] == form_key

    # instances, jobs, user tasks, variables
    created = checker.check(
        "/v2/process-instances",
        "post",
        dev.post(
            "/v2/process-instances",
            {"processDefinitionId": "api_flow", "variables": {"orderId": "o-1"}},
            format="json",
        ),
    )
    key = created["processInstanceKey"]
    activation = {"type": "api-prepare", "timeout": 30_000, "maxJobsToActivate": 5, "requestTimeout": -1}
    jobs = checker.check(
        "/v2/jobs/activation", "post", dev.post("/v2/jobs/activation", activation, format="json")
    )
    assert len(jobs["jobs"]) == 1
    checker.check("/v2/jobs/search", "post", dev.post("/v2/jobs/search", {}, format="json"))
    assert dev.post(f"/v2/jobs/{jobs['jobs'][0]['jobKey']}/completion", {}, format="json").status_code == 204
    checker.check(
        "/v2/process-instances/search", "post", dev.post("/v2/process-instances/search", {}, format="json")
    )
    checker.check("/v2/process-instances/{key}", "get", dev.get(f"/v2/process-instances/{key}"))
    tasks = checker.check(
        "/v2/user-tasks/search", "post", employee.post("/v2/user-tasks/search", {}, format="json")
    )
    task_key = tasks["items"][0]["userTaskKey"]
    checker.check("/v2/user-tasks/{key}", "get", employee.get(f"/v2/user-tasks/{task_key}"))
    checker.check("/v2/user-tasks/{key}/form", "get", employee.get(f"/v2/user-tasks/{task_key}/form"))
    checker.check(
        "/v2/user-tasks/{key}/variables/search",
        "post",
        employee.post(f"/v2/user-tasks/{task_key}/variables/search", {}, format="json"),
    )
    variables = checker.check(
        "/v2/variables/search", "post", dev.post("/v2/variables/search", {}, format="json")
    )
    checker.check(
        "/v2/variables/{key}", "get", dev.get(f"/v2/variables/{variables['items'][0]['variableKey']}")
    )
    elements = checker.check(
        "/v2/element-instances/search",
        "post",
        dev.post("/v2/element-instances/search", {"filter": {"processInstanceKey": key}}, format="json"),
    )
    checker.check(
        "/v2/element-instances/{key}",
        "get",
        dev.get(f"/v2/element-instances/{elements['items'][0]['elementInstanceKey']}"),
    )
    done = employee.post(f"/v2/user-tasks/{task_key}/completion", {}, format="json")
    assert done.status_code == 204

    # an incident
    dev.post("/v2/process-instances", {"processDefinitionId": "api_service"}, format="json")
    work = dev.post("/v2/jobs/activation", {**activation, "type": "api-work"}, format="json").json()["jobs"][
        0
    ]
    failed = dev.post(
        f"/v2/jobs/{work['jobKey']}/failure", {"retries": 0, "errorMessage": "down"}, format="json"
    )
    assert failed.status_code == 204
    incidents = checker.check(
        "/v2/incidents/search", "post", dev.post("/v2/incidents/search", {}, format="json")
    )
    checker.check(
        "/v2/incidents/{key}", "get", dev.get(f"/v2/incidents/{incidents['items'][0]['incidentKey']}")
    )

    # messages, signals, decisions
    checker.check(
        "/v2/messages/correlation",
        "post",
        dev.post("/v2/messages/correlation", {"name": "paid", "correlationKey": "o-1"}, format="json"),
    )
    checker.check(
        "/v2/messages/publication",
        "post",
        dev.post("/v2/messages/publication", {"name": "nobody-waits", "correlationKey": "x"}, format="json"),
    )
    checker.check(
        "/v2/signals/broadcast",
        "post",
        dev.post("/v2/signals/broadcast", {"signalName": "api-go"}, format="json"),
    )
    checker.check(
        "/v2/decision-definitions/evaluation",
        "post",
        dev.post(
            "/v2/decision-definitions/evaluation",
            {"decisionDefinitionId": "api_discount", "variables": {"customerType": "gold"}},
            format="json",
        ),
    )
    checker.check(
        "/v2/conditionals/evaluation",
        "post",
        dev.post("/v2/conditionals/evaluation", {"variables": {"amount": 1}}, format="json"),
    )
    checker.check("/v2/topology", "get", dev.get("/v2/topology"))

    # every documented v2 JSON result was exercised
    documented = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/v2/")
        and "application/json" in (operation.get("responses", {}).get("200", {}).get("content") or {})
        and not path.startswith("/v2/clock")
        and path not in ("/v2/status", "/v2/api-docs/openapi.json")
    }
    assert documented - checker.checked == set()
