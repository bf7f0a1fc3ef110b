"""Stored XSS: payloads in names, documentation, comments, form labels, task names and variable values are
escaped or sanitized wherever the server renders them."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from bizdevops.engine import services as engine
from bizdevops.engine.state import models as m
from modeler import services as modeler
from modeler.models import Comment
from tests.modeler.conftest import Workspace
from tests.security.xss import ALL, IMG, LINK, SCRIPT, SVG, executable_markup

pytestmark = pytest.mark.django_db


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def test_payload_check_catches_raw_markup() -> None:
    # the detector itself: raw payloads are found, escaped ones are not
    assert len(executable_markup(ALL)) == 4
    assert executable_markup(_xml_escape(ALL)) == []
    assert executable_markup(json.dumps(ALL).replace("<", "\\u003C")) == []


def test_modeler_names_are_escaped_on_every_page(client: Client, workspace: Workspace) -> None:
    # given a project, folder, files and a version all named with XSS payloads
    ws = workspace
    owner = ws.users["owner"]
    ws.project.name = f"P {IMG}"
    ws.project.save()
    modeler.rename_folder(folder=ws.folder, name=f"F {SVG}")
    modeler.rename_file(model_file=ws.bpmn, name=f"B {SCRIPT}", user=owner)
    ws.dmn.name = f"D {LINK}"
    ws.dmn.save()
    ws.form.name = f"Form {IMG}"
    ws.form.save()
    client.force_login(owner)
    pages = {
        "index": "/modeler/",
        "project": f"/modeler/projects/{ws.project.pk}/",
        "folder": f"/modeler/projects/{ws.project.pk}/?folder={ws.folder.pk}",
        "settings": f"/modeler/projects/{ws.project.pk}/settings/",
        "bpmn editor": f"/modeler/files/{ws.bpmn.pk}/",
        "dmn editor": f"/modeler/files/{ws.dmn.pk}/",
        "form editor": f"/modeler/files/{ws.form.pk}/",
        "version": f"/modeler/files/{ws.bpmn.pk}/versions/{ws.version.pk}/",
        "diff": f"/modeler/files/{ws.bpmn.pk}/diff/",
    }
    # when each page renders, then no payload is executable markup
    found = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        if executable_markup(response.content):
            found[name] = executable_markup(response.content)
    assert found == {}


def test_comments_are_sanitized_with_an_allow_list(client: Client, workspace: Workspace) -> None:
    # given a commenter posts every payload, with some legitimate formatting
    ws = workspace
    client.force_login(ws.users["commenter"])
    text = f'<b>bold</b> <a href="https://example.com">ok</a> @owner {ALL}'
    response = client.post(
        f"/modeler/api/files/{ws.bpmn.pk}/comments",
        json.dumps({"text": text}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content[:200]
    # then the stored HTML keeps the allowed tags and drops everything executable
    stored = Comment.objects.order_by("-pk").first()
    assert stored is not None
    assert "<b>bold</b>" in stored.body_html
    assert 'href="https://example.com"' in stored.body_html
    assert executable_markup(stored.body_html) == []
    assert "onerror" not in stored.body_html
    assert "javascript:" not in stored.body_html
    # and the owner's notification list (which renders body_html unescaped) shows it inert
    client.force_login(ws.users["owner"])
    assert executable_markup(client.get("/modeler/").content) == []
    assert executable_markup(client.get(f"/modeler/api/files/{ws.bpmn.pk}/comments").content) == []


PAYLOAD_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs_xss" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="xss_proc" name="Proc {p}" isExecutable="true">
    <bpmn:documentation>Doc {p}</bpmn:documentation>
    <bpmn:startEvent id="start" name="Start {p}" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task" name="Task {p}">
      <bpmn:documentation>Task doc {p}</bpmn:documentation>
      <bpmn:extensionElements>
        <zeebe:userTask />
        <zeebe:formDefinition formId="xss_form" />
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def _form(payload: str) -> bytes:
    return json.dumps(
        {
            "id": "xss_form",
            "type": "default",
            "components": [
                {"type": "text", "text": f"# Heading {payload}\n\n[link](javascript:alert(5))"},
                {"type": "textfield", "key": "note", "label": f"Label {payload}", "description": payload},
            ],
        }
    ).encode()


def test_task_names_documentation_form_labels_and_variables_are_escaped(client: Client, role_user) -> None:  # type: ignore[no-untyped-def]
    # given a deployed process whose names, documentation and form carry payloads, and a variable holding one
    engine.deploy_resources(
        resources=[
            ("xss.bpmn", PAYLOAD_BPMN.format(p=_xml_escape(ALL)).encode()),
            ("xss.form", _form(ALL)),
        ]
    )
    created = engine.create_process_instance(bpmn_process_id="xss_proc", variables={"note": ALL, "x": IMG})
    task = m.UserTask.objects.get(process_instance_key=created.process_instance_key)
    assert "<img" in task.name  # the payload really reached the task
    client.force_login(role_user("Admin"))
    # when the task list, the task page and the start page render
    pages = [
        client.get("/tasks/"),
        client.get(f"/tasks/{task.key}/"),
        client.get("/tasks/?q=Task"),
        client.get("/operate/"),
    ]
    # then nothing is executable
    for response in pages:
        assert response.status_code == 200
        assert executable_markup(response.content) == [], response.request["PATH_INFO"]


def test_svg_upload_is_served_inert(client: Client, role_user, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # given an SVG with script uploaded through a form's file picker
    settings.MEDIA_ROOT = str(tmp_path)
    user = role_user("Employee")
    client.force_login(user)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    response = client.post("/tasks/api/uploads", {"file": SimpleUploadedFile("x.svg", svg, "image/svg+xml")})
    if response.status_code == 400:
        return  # refused outright: fine
    assert response.status_code == 201
    document = client.get(f"/tasks/api/documents/{response.json()['documentId']}")
    # then it downloads as an attachment, in a sandbox, never sniffed into a page
    assert document["Content-Disposition"].startswith("attachment")
    assert "sandbox" in document["Content-Security-Policy"]
    assert document["X-Content-Type-Options"] == "nosniff"


def test_task_comments_and_download_names_are_inert(client: Client, workspace: Workspace, role_user) -> None:  # type: ignore[no-untyped-def]
    from tests.security.engine_fixtures import deploy_target

    # given a task comment carrying every payload
    target = deploy_target()
    admin = role_user("Admin")
    client.force_login(admin)
    posted = client.post(
        f"/tasks/api/tasks/{target.task.key}/comments",
        json.dumps({"body": ALL}),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )
    assert posted.status_code == 201
    # then the task page shows it as text
    assert executable_markup(client.get(f"/tasks/{target.task.key}/").content) == []
    # and a file name built to split headers cannot: the download header stays one line
    ws = workspace
    ws.dmn.name = 'evil"\r\nX-Injected: 1'
    ws.dmn.save()
    client.force_login(ws.users["owner"])
    download = client.get(f"/modeler/files/{ws.dmn.pk}/download/")
    assert download.status_code == 200
    assert "\n" not in download["Content-Disposition"]
    assert "\r" not in download["Content-Disposition"]
    assert not download.has_header("X-Injected")
