"""GET /v2/process-definitions/{key}/form and hasStartForm: the form linked to the none start event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizdevops.engine.core.parser.bpmn import parse_bpmn

pytestmark = pytest.mark.django_db(transaction=True)


def bpmn(process_id: str, form: str = "") -> bytes:
    """A process whose none start event carries `form` (a zeebe:formDefinition element, or nothing)."""
    extension = f"<bpmn:extensionElements>{form}</bpmn:extensionElements>" if form else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs_{process_id}" targetNamespace="http://bpmn.io">
  <bpmn:process id="{process_id}" name="Start {process_id}" isExecutable="true">
    <bpmn:startEvent id="Start">{extension}<bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="End" />
    <bpmn:endEvent id="End"><bpmn:incoming>F1</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>""".encode()


def form(form_id: str, label: str, version_tag: str | None = None) -> bytes:
    schema: dict[str, Any] = {
        "id": form_id,
        "type": "default",
        "components": [{"key": "amount", "label": label, "type": "number", "id": "Field_amount"}],
    }
    if version_tag:
        schema["versionTag"] = version_tag
    return json.dumps(schema).encode()


def deploy(client: Any, **resources: bytes) -> dict[str, Any]:
    files = [SimpleUploadedFile(name, data) for name, data in resources.items()]
    response = client.post("/v2/deployments", {"resources": files}, format="multipart")
    assert response.status_code == 200, response.content
    return response.json()


def process_key(data: dict[str, Any]) -> str:
    return next(
        i["processDefinition"]["processDefinitionKey"]
        for i in data["deployments"]
        if "processDefinition" in i
    )


def label_of(response: Any) -> str:
    return json.loads(response.json()["schema"])["components"][0]["label"]


@pytest.fixture
def dev(api):  # type: ignore[no-untyped-def]
    return api("Developer", username="dev")


def test_parser_keeps_the_start_event_form_link() -> None:
    # given a start event with a deployment-bound linked form, as Camunda Modeler writes it
    link = '<zeebe:formDefinition formId="request" bindingType="deployment" />'
    # when parsed
    (model,) = parse_bpmn(bpmn("p", link))
    start = model.elements[model.start_event or ""]
    # then the link and its binding survive
    assert start.form is not None  # type: ignore[attr-defined]
    assert (start.form.form_id, start.form.binding_type) == ("request", "deployment")  # type: ignore[attr-defined]


def test_linked_start_form_resolves_to_the_latest_version_by_default(dev) -> None:  # type: ignore[no-untyped-def]
    # given a process linking form "request" and two versions of that form
    data = deploy(dev, **{"p.bpmn": bpmn("p_latest", '<zeebe:formDefinition formId="request" />')})
    deploy(dev, **{"request.form": form("request", "first")})
    deploy(dev, **{"request.form": form("request", "second")})
    key = process_key(data)
    # when the start form is asked for
    response = dev.get(f"/v2/process-definitions/{key}/form")
    # then the latest version answers, in FormResult's shape
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"formKey", "formId", "version", "schema", "tenantId"}
    assert (body["formId"], body["version"], label_of(response)) == ("request", 2, "second")
    # and the definition says it has a start form, in get and search
    assert dev.get(f"/v2/process-definitions/{key}").json()["hasStartForm"] is True
    found = dev.post("/v2/process-definitions/search", {"filter": {"hasStartForm": True}}, format="json")
    assert [i["processDefinitionKey"] for i in found.json()["items"]] == [key]


def test_deployment_binding_picks_the_form_deployed_with_the_process(dev) -> None:  # type: ignore[no-untyped-def]
    # given the process deployed together with version 1 of its form, then a newer form version alone
    link = '<zeebe:formDefinition formId="request" bindingType="deployment" />'
    data = deploy(dev, **{"p.bpmn": bpmn("p_bound", link), "request.form": form("request", "bound")})
    deploy(dev, **{"request.form": form("request", "newer")})
    # when the start form is asked for
    response = dev.get(f"/v2/process-definitions/{process_key(data)}/form")
    # then the form of the process's own deployment answers
    assert response.status_code == 200
    assert (response.json()["version"], label_of(response)) == (1, "bound")


def test_version_tag_binding_picks_the_tagged_form(dev) -> None:  # type: ignore[no-untyped-def]
    link = '<zeebe:formDefinition formId="request" bindingType="versionTag" versionTag="v1.0" />'
    data = deploy(dev, **{"p.bpmn": bpmn("p_tagged", link)})
    deploy(dev, **{"request.form": form("request", "tagged", version_tag="v1.0")})
    deploy(dev, **{"request.form": form("request", "untagged")})
    response = dev.get(f"/v2/process-definitions/{process_key(data)}/form")
    assert response.status_code == 200
    assert label_of(response) == "tagged"


@pytest.mark.parametrize(
    ("link", "has_form"),
    [
        ("", False),
        ('<zeebe:formDefinition externalReference="https://forms.example.com/request" />', False),
        ('<zeebe:formDefinition formId="never-deployed" />', True),
    ],
    ids=["no-link", "external", "unresolved"],
)
def test_no_linked_form_answers_204(dev, link, has_form) -> None:  # type: ignore[no-untyped-def]
    key = process_key(deploy(dev, **{"p.bpmn": bpmn("p_none", link)}))
    response = dev.get(f"/v2/process-definitions/{key}/form")
    assert response.status_code == 204
    assert dev.get(f"/v2/process-definitions/{key}").json()["hasStartForm"] is has_form


def test_unknown_definition_is_404(dev) -> None:  # type: ignore[no-untyped-def]
    response = dev.get("/v2/process-definitions/123456789/form")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("roles", "status"),
    [(("Employee",), 200), (("Operator",), 200), (("Analyst",), 200), ((), 403)],
)
def test_starters_and_readers_may_read_the_start_form(api, dev, roles, status) -> None:  # type: ignore[no-untyped-def]
    data = deploy(
        dev,
        **{
            "p.bpmn": bpmn("p_roles", '<zeebe:formDefinition formId="request" />'),
            "request.form": form("request", "only"),
        },
    )
    response = api(*roles).get(f"/v2/process-definitions/{process_key(data)}/form")
    assert response.status_code == status
