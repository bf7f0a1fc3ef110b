"""Runaway models: a loop without a wait state and absurd timer advances end in a clear error, quickly,
in the engine (REST API start) and in the modeler's play sandbox."""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from bizdevops.engine import services as engine
from bizdevops.engine.state import models as m
from modeler import services as modeler
from tests.modeler.conftest import Workspace
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_step_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # the guard's size is not under test, its outcome is: 20 000 steps instead of 500 000 keeps this fast
    from bizdevops.engine.core import processing

    monkeypatch.setattr(processing, "MAX_STEPS", 20_000)


LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs_loop" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="loop_proc" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" />
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="gw2" />
    <bpmn:exclusiveGateway id="gw2" />
    <bpmn:sequenceFlow id="f3" sourceRef="gw2" targetRef="gw" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_api_start_of_an_endless_loop_is_a_clear_error(role_user) -> None:  # type: ignore[no-untyped-def]
    engine.deploy_resources(resources=[("loop.bpmn", LOOP.encode())])
    user = role_user("Developer")
    api = APIClient(raise_request_exception=False)
    api.credentials(
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    )
    started = time.monotonic()
    response = api.post("/v2/process-instances", {"processDefinitionId": "loop_proc"}, format="json")
    elapsed = time.monotonic() - started
    # then the engine gives up within seconds, answers with a problem, and keeps no half-started instance
    assert elapsed < 15, f"{elapsed:.1f}s"
    assert 400 <= response.status_code < 600
    assert response["Content-Type"].startswith("application/problem+json"), response.content[:200]
    assert not m.ProcessInstance.objects.filter(bpmn_process_id="loop_proc", status="ACTIVE").exists()


def test_play_sandbox_loop_and_huge_advance_are_clear_400s(client: Client, workspace: Workspace) -> None:
    ws = workspace
    modeler.save_file_content(model_file=ws.bpmn, content=LOOP, user=ws.users["owner"])
    client.force_login(ws.users["viewer"])
    url = f"/modeler/api/files/{ws.bpmn.pk}/play"
    started = time.monotonic()
    loop = client.post(f"{url}/start", json.dumps({"variables": {}}), content_type="application/json")
    assert time.monotonic() - started < 15
    assert loop.status_code == 400, loop.content[:300]
    # and on a normal diagram, an absurd clock advance is refused, not a server error
    modeler.save_file_content(model_file=ws.bpmn, content=ws.version.content, user=ws.users["owner"])
    assert (
        client.post(
            f"{url}/start", json.dumps({"variables": {}}), content_type="application/json"
        ).status_code
        == 200
    )
    for minutes in (1e18, 10**30, "x", -1):
        advance = client.post(
            f"{url}/advance", json.dumps({"minutes": minutes}), content_type="application/json"
        )
        assert advance.status_code in (200, 400), (minutes, advance.status_code, advance.content[:200])
    assert client.post(f"{url}/nonsense", "{}", content_type="application/json").status_code == 404
