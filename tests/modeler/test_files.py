"""Saving diagrams: parsed server-side, hostile or malformed files refused, nothing saved is lost."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from modeler import services
from modeler.models import ModelFile

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol2;</bpmn:definitions>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p">&xxe;</bpmn:process></bpmn:definitions>"""


@pytest.fixture
def diagram(analyst) -> ModelFile:  # type: ignore[no-untyped-def]
    project = services.get_or_create_personal_project(user=analyst)
    return services.create_bpmn_file(project=project, name="Invoice approval", user=analyst)


def put(client: Client, model_file: ModelFile, body: object):  # type: ignore[no-untyped-def]
    return client.put(
        f"/modeler/api/files/{model_file.pk}/content", data=json.dumps(body), content_type="application/json"
    )


def test_new_diagram_targets_camunda_8(diagram: ModelFile) -> None:
    assert 'modeler:executionPlatform="Camunda Cloud"' in diagram.content
    assert 'modeler:executionPlatformVersion="8.' in diagram.content
    assert diagram.element_id.startswith("Invoice_approval_")


def test_create_from_the_list_page(client: Client, analyst) -> None:  # type: ignore[no-untyped-def]
    client.force_login(analyst)
    response = client.post("/modeler/new/", {"name": "Leave request"})
    assert response.status_code == 302
    listing = client.get("/modeler/")
    assert "Leave request" in listing.content.decode()


def test_save_and_reopen(client: Client, analyst, diagram: ModelFile) -> None:  # type: ignore[no-untyped-def]
    client.force_login(analyst)
    new_xml = diagram.content.replace(
        '<bpmn:startEvent id="StartEvent_1" />',
        '<bpmn:startEvent id="StartEvent_1" /><bpmn:userTask id="Task_1" name="Review" />',
    )
    response = put(client, diagram, {"content": new_xml, "revision": diagram.revision})
    assert response.status_code == 200
    assert response.json()["revision"] == diagram.revision + 1
    reopened = client.get(f"/modeler/api/files/{diagram.pk}/content").json()
    assert 'name="Review"' in reopened["content"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("<bpmn:definitions", "not well-formed"),
        ("", "empty"),
        (BILLION_LAUGHS, "DOCTYPE"),
        (XXE, "DOCTYPE"),
        ("<html><body>hi</body></html>", "not a BPMN 2.0 file"),
        ("<a>" + "x" * (11 * 1024 * 1024) + "</a>", "too large"),
    ],
)
def test_bad_or_hostile_files_are_refused_and_nothing_is_lost(  # type: ignore[no-untyped-def]
    client: Client, analyst, diagram: ModelFile, content: str, fragment: str
) -> None:
    client.force_login(analyst)
    before = ModelFile.objects.get(pk=diagram.pk)
    response = put(client, diagram, {"content": content, "revision": diagram.revision})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert fragment in response.json()["detail"]
    after = ModelFile.objects.get(pk=diagram.pk)
    assert (after.content, after.revision) == (before.content, before.revision)


def test_stale_revision_is_a_conflict(client: Client, analyst, diagram: ModelFile) -> None:  # type: ignore[no-untyped-def]
    client.force_login(analyst)
    assert put(client, diagram, {"content": diagram.content, "revision": diagram.revision}).status_code == 200
    stale = put(client, diagram, {"content": diagram.content, "revision": diagram.revision})
    assert stale.status_code == 409
    assert stale.json()["currentRevision"] == diagram.revision + 1


def test_other_users_cannot_read_or_write(client: Client, employee, diagram: ModelFile) -> None:  # type: ignore[no-untyped-def]
    client.force_login(employee)
    assert client.get(f"/modeler/api/files/{diagram.pk}/content").status_code == 404
    assert client.get(f"/modeler/files/{diagram.pk}/").status_code == 404
    response = put(client, diagram, {"content": diagram.content.replace("Invoice", "Hacked")})
    assert response.status_code == 404
    assert "Hacked" not in ModelFile.objects.get(pk=diagram.pk).content


def test_viewer_cannot_save(client: Client, employee, diagram: ModelFile) -> None:  # type: ignore[no-untyped-def]
    from guardian.shortcuts import assign_perm

    assign_perm("modeler.view_project_files", employee, diagram.project)
    client.force_login(employee)
    assert client.get(f"/modeler/api/files/{diagram.pk}/content").status_code == 200
    response = put(client, diagram, {"content": diagram.content.replace("Invoice", "Hacked")})
    assert response.status_code == 403
    assert "Hacked" not in ModelFile.objects.get(pk=diagram.pk).content


def test_csrf_is_enforced(analyst, diagram: ModelFile) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    response = put(client, diagram, {"content": diagram.content.replace("Invoice", "Forged")})
    assert response.status_code == 403
    assert "Forged" not in ModelFile.objects.get(pk=diagram.pk).content
