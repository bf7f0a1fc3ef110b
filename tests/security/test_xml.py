"""Hostile XML on every upload, save and deploy path: refused with a clear 400 and nothing stored."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from bizdevops.engine.state import models as m
from modeler.models import ModelFile
from tests.modeler.conftest import Workspace
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x"'
XXE = f"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions {NS}><bpmn:process id="p" name="&xxe;" isExecutable="true"><bpmn:startEvent id="s"/>
</bpmn:process></bpmn:definitions>"""
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + f']>\n<bpmn:definitions {NS}><bpmn:process id="p" name="&lol9;"/></bpmn:definitions>'
)
EXTERNAL_DTD = f"""<?xml version="1.0"?>
<!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd">
<bpmn:definitions {NS}><bpmn:process id="p" isExecutable="true"/></bpmn:definitions>"""
PARAMETER_ENTITY = f"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]>
<bpmn:definitions {NS}><bpmn:process id="p" isExecutable="true"/></bpmn:definitions>"""
DMN_XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="x" name="&xxe;" namespace="x">
<decision id="evil_decision" name="&xxe;"><literalExpression><text>"&xxe;"</text></literalExpression></decision>
</definitions>"""
HUGE = (
    f'<?xml version="1.0"?><bpmn:definitions {NS}><bpmn:process id="p" isExecutable="true">'
    + "<bpmn:documentation>"
    + "A" * (11 * 1024 * 1024)
    + "</bpmn:documentation>"
    + "</bpmn:process></bpmn:definitions>"
)
DEEP = (
    f'<?xml version="1.0"?><bpmn:definitions {NS}>'
    + "<a>" * 100_000
    + "</a>" * 100_000
    + "</bpmn:definitions>"
)

ATTACKS = {
    "xxe": XXE,
    "billion laughs": LAUGHS,
    "external dtd": EXTERNAL_DTD,
    "parameter entity": PARAMETER_ENTITY,
    "huge": HUGE,
    "deep": DEEP,
}


def _no_leak(content: bytes) -> None:
    assert b"root:" not in content
    assert b"lollollol" not in content


def _is_400_problem(response: Any) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_modeler_upload_save_and_validate_refuse_hostile_xml(
    client: Client, workspace: Workspace, attack: str
) -> None:
    # given an editor of the project
    ws = workspace
    client.force_login(ws.users["owner"])
    xml = ATTACKS[attack]
    files_before = sorted(ModelFile.objects.values_list("pk", "name", "content", "revision"))
    started = time.monotonic()
    # when hostile XML is uploaded as a new file, saved over a diagram and validated
    upload = client.post(
        f"/modeler/projects/{ws.project.pk}/files/upload/",
        {"file": SimpleUploadedFile("evil.bpmn", xml.encode())},
        HTTP_ACCEPT="application/json",
    )
    save = client.put(
        f"/modeler/api/files/{ws.bpmn.pk}/content",
        json.dumps({"content": xml}),
        content_type="application/json",
    )
    save_dmn = client.put(
        f"/modeler/api/files/{ws.dmn.pk}/content",
        json.dumps({"content": xml.replace("bpmn:definitions", "definitions")}),
        content_type="application/json",
    )
    validate = client.post(
        f"/modeler/api/files/{ws.bpmn.pk}/validate",
        json.dumps({"content": xml}),
        content_type="application/json",
    )
    # then each is refused (the upload form answers 400 or re-renders with a message), quickly, and nothing is stored
    assert time.monotonic() - started < 10
    assert upload.status_code in (400, 302, 200)
    if upload.status_code != 400:
        follow = client.get(upload.get("Location") or f"/modeler/projects/{ws.project.pk}/")
        assert follow.status_code == 200
    _is_400_problem(save)
    _is_400_problem(save_dmn)
    assert validate.status_code in (200, 400)
    if validate.status_code == 200:
        body = validate.json()
        assert body.get("valid") is False or body.get("problems") or body.get("errors"), body
    for response in (upload, save, validate):
        _no_leak(response.content)
    assert sorted(ModelFile.objects.values_list("pk", "name", "content", "revision")) == files_before


@pytest.mark.parametrize("attack", sorted({**ATTACKS, "dmn xxe": DMN_XXE}))
def test_api_deployment_refuses_hostile_xml(role_user, attack: str) -> None:
    # given a developer with deploy rights over the REST API
    user = role_user("Developer")
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    )
    xml = {**ATTACKS, "dmn xxe": DMN_XXE}[attack]
    name = "evil.dmn" if attack.startswith("dmn") else "evil.bpmn"
    before = (
        m.Deployment.objects.count(),
        m.ProcessDefinition.objects.count(),
        m.DecisionDefinition.objects.count(),
    )
    # when hostile XML is deployed as a multipart resource
    response = client.post(
        "/v2/deployments", {"resources": SimpleUploadedFile(name, xml.encode())}, format="multipart"
    )
    # then it is refused with problem+json 400 and no definition is stored
    _is_400_problem(response)
    assert response["Content-Type"].startswith("application/problem+json")
    _no_leak(response.content)
    after = (
        m.Deployment.objects.count(),
        m.ProcessDefinition.objects.count(),
        m.DecisionDefinition.objects.count(),
    )
    assert after == before


def test_decision_evaluation_of_hostile_dmn_is_impossible(role_user) -> None:
    # the evaluation endpoint reads only deployed decisions; the hostile one never got deployed
    user = role_user("Analyst")
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
    )
    response = client.post(
        "/v2/decision-definitions/evaluation", {"decisionDefinitionId": "evil_decision"}, format="json"
    )
    assert response.status_code in (400, 404)
    _no_leak(response.content)
