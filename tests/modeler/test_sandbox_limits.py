"""The play sandbox replays a whole run at every request, so each request's cost is bounded: a work budget per
replay (a loop without a wait state stops early, not after the engine core's 500 000-step guard), a cap on the
recorded actions and their variables, and a per-user rate limit on play requests."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from bizdevops.engine.state import models as engine
from modeler import sandbox, services
from modeler.api import views as api
from tests.modeler.conftest import Workspace

pytestmark = pytest.mark.django_db

LOOP = (
    '<bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
    '<bpmn:exclusiveGateway id="gw"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f3</bpmn:incoming>'
    "<bpmn:outgoing>f2</bpmn:outgoing></bpmn:exclusiveGateway>"
    '<bpmn:exclusiveGateway id="gw2"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>'
    "</bpmn:exclusiveGateway>"
    '<bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="gw" />'
    '<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="gw2" />'
    '<bpmn:sequenceFlow id="f3" sourceRef="gw2" targetRef="gw" />'
)
WAIT = (
    '<bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
    '<bpmn:userTask id="Review"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements>'
    "<bpmn:incoming>f1</bpmn:incoming></bpmn:userTask>"
    '<bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Review" />'
)


def _diagram(workspace: Workspace, body: str) -> None:
    content = workspace.bpmn.content.replace('<bpmn:startEvent id="StartEvent_1" />', body)
    services.save_file_content(model_file=workspace.bpmn, content=content, user=workspace.users["owner"])
    workspace.bpmn.refresh_from_db()


def _post(client: Client, url: str, body: object):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_a_loop_without_a_wait_state_stops_at_the_sandbox_budget(
    client: Client, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a loop without a wait state, and the core's own guard raised far out (so only the sandbox's
    # budget can stop it quickly; without the budget the core's guard answers after ~20 s, another message)
    from bizdevops.engine.core import processing

    monkeypatch.setattr(processing, "MAX_STEPS", 2_000_000)
    _diagram(workspace, LOOP)
    client.force_login(workspace.users["viewer"])
    # when a viewer plays it
    began = time.perf_counter()
    response = _post(client, f"/modeler/api/files/{workspace.bpmn.pk}/play/start", {"variables": {}})
    seconds = time.perf_counter() - began
    # then it ends in a clear 400 naming the budget, and never touched the engine's tables
    assert response.status_code == 400, response.content[:300]
    assert str(sandbox.MAX_KEYS) in response.json()["detail"]
    assert "loop" in response.json()["detail"]
    assert engine.ProcessInstance.objects.count() == 0
    # (the budget is a fraction of the core guard's ~6 s here; generous bound for a shared machine)
    assert seconds < 5, seconds


def test_the_budget_counts_the_whole_replay_not_one_unit(workspace: Workspace) -> None:
    # given a run that waits at a user task, with a budget too small for even the start
    _diagram(workspace, WAIT)
    run = sandbox.new_run(model_file=workspace.bpmn, variables={})
    assert [w["elementId"] for w in sandbox.replay(run).waiting] == ["Review"]
    # when the same run is replayed with a budget of 3 keys
    original = sandbox.MAX_KEYS
    sandbox.MAX_KEYS = 3
    try:
        with pytest.raises(sandbox.PlayProblem, match="more than 3 steps"):
            sandbox.replay(run)
    finally:
        sandbox.MAX_KEYS = original


def test_recorded_actions_and_their_variables_are_capped(workspace: Workspace) -> None:
    # given a run at the action cap
    _diagram(workspace, WAIT)
    run = sandbox.new_run(model_file=workspace.bpmn, variables={})
    for _ in range(sandbox.MAX_STEPS - 1):
        run = sandbox.add_step(run, ["advance", 1])
    assert len(run["steps"]) == sandbox.MAX_STEPS
    # when one more is added, then it is refused
    with pytest.raises(sandbox.PlayProblem):
        sandbox.add_step(run, ["advance", 1])
    # and variables over the byte limit are refused before they are stored
    with pytest.raises(sandbox.PlayProblem):
        sandbox.check_variables({"blob": "x" * (sandbox.MAX_STEP_VARIABLES_BYTES + 1)})
    sandbox.check_variables({"blob": "x" * 1000})


def test_oversized_play_variables_answer_400_and_store_nothing(client: Client, workspace: Workspace) -> None:
    _diagram(workspace, WAIT)
    client.force_login(workspace.users["viewer"])
    big = {"blob": "x" * (sandbox.MAX_STEP_VARIABLES_BYTES + 1)}
    response = _post(client, f"/modeler/api/files/{workspace.bpmn.pk}/play/start", {"variables": big})
    assert response.status_code == 400
    assert f"modeler.play.{workspace.bpmn.pk}" not in client.session


def test_play_requests_are_rate_limited_per_user(client: Client, workspace: Workspace) -> None:
    # given a viewer who used up the window's play requests
    _diagram(workspace, WAIT)
    url = f"/modeler/api/files/{workspace.bpmn.pk}/play"
    client.force_login(workspace.users["viewer"])
    answers = [client.get(url).status_code for _ in range(api.PLAY_RATE)]
    assert set(answers) == {200}
    # when they ask again, then 429 problem+json with Retry-After, and no run is started
    refused = _post(client, f"{url}/start", {"variables": {}})
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused["Retry-After"] == str(api.PLAY_WINDOW_SECONDS)
    assert f"modeler.play.{workspace.bpmn.pk}" not in client.session
    # and another user is not affected
    other = Client()
    other.force_login(workspace.users["editor"])
    assert _post(other, f"{url}/start", {"variables": {}}).status_code == 200
