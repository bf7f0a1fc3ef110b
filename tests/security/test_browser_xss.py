"""In a real browser, stored payloads in a task's name, documentation, form and variables, and in a modeler
comment, render as text: no script runs (no dialog, no global set by an event handler)."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.e2e.conftest import browser, committed_db, e2e_user, live_site, login, page  # noqa: F401

pytestmark = [pytest.mark.e2e]

MARK = "window.__pwned=1"
PAYLOADS = (
    f'<img src=x onerror="{MARK}">'
    f"<script>{MARK}</script>"
    f'<svg onload="{MARK}"></svg>'
    f'<a id="jslink" href="javascript:{MARK}">link</a>'
)
PROBE = "() => window.__pwned === undefined"


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Overrides the package's MD5 hasher: the live server (another process) only knows the real hashers."""


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _deploy(suffix: str) -> int:
    from bizdevops.engine import services as engine
    from bizdevops.engine.state import models as m

    process = f"xss_browser_{suffix}"
    bpmn = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D_{suffix}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process}" name="P {_xml(PAYLOADS)}" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <bpmn:userTask id="task" name="T {_xml(PAYLOADS)}">
      <bpmn:documentation>{_xml(PAYLOADS)}</bpmn:documentation>
      <bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition formId="xss_form_{suffix}" /></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>"""
    form = {
        "id": f"xss_form_{suffix}",
        "type": "default",
        "components": [
            {"type": "text", "text": f"# H {PAYLOADS}\n\n[md link](javascript:{MARK})"},
            {"type": "textfield", "key": "note", "label": f"L {PAYLOADS}", "description": PAYLOADS},
            {"type": "textarea", "key": "remark", "label": "Remark"},
        ],
    }
    engine.deploy_resources(
        resources=[(f"{process}.bpmn", bpmn.encode()), (f"{process}.form", json.dumps(form).encode())]
    )
    created = engine.create_process_instance(
        bpmn_process_id=process, variables={"note": PAYLOADS, "remark": PAYLOADS, "applicantName": PAYLOADS}
    )
    return int(m.UserTask.objects.get(process_instance_key=created.process_instance_key).key)


def test_stored_payloads_do_not_execute(page, e2e_user) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from modeler import services as modeler

    suffix = uuid.uuid4().hex[:8]
    task_key = _deploy(suffix)
    admin, password = e2e_user("xss", "Admin")
    project = modeler.create_project(name=f"Proj {PAYLOADS}", owner=admin)
    model_file = modeler.create_file(project=project, name=f"File {PAYLOADS}", kind="bpmn", user=admin)
    modeler.add_comment(model_file=model_file, author=admin, text=f"comment {PAYLOADS}")
    # the diagram's start event gets a payload name and documentation; a DMN decision a payload name
    model_file.refresh_from_db()
    diagram = model_file.content.replace(
        '<bpmn:startEvent id="StartEvent_1" />',
        f'<bpmn:startEvent id="StartEvent_1" name="{_xml(PAYLOADS)}">'
        f"<bpmn:documentation>{_xml(PAYLOADS)}</bpmn:documentation></bpmn:startEvent>",
    )
    assert diagram != model_file.content
    modeler.save_file_content(model_file=model_file, content=diagram, user=admin)
    decision = modeler.create_file(project=project, name=f"Decision {PAYLOADS}", kind="dmn", user=admin)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, admin.username, password)
    # when the payloads render in the task list, the task page with its form, and the modeler
    page.goto("/tasks/?view=all")
    page.wait_for_selector('[data-testid="task-table"]', state="attached")
    assert page.evaluate(PROBE)
    page.goto(f"/tasks/{task_key}/")
    page.wait_for_selector("body[data-form-ready=true]")
    page.wait_for_timeout(300)
    assert page.locator("text=L <img").count() + page.locator("text=T <img").count() >= 1
    assert page.evaluate(PROBE)
    # a javascript: link, if rendered at all, must not run when clicked
    links = page.locator('a[href^="javascript:"]')
    assert links.count() == 0
    page.goto(f"/modeler/projects/{project.pk}/")
    assert page.evaluate(PROBE)
    page.goto(f"/modeler/files/{model_file.pk}/")
    page.wait_for_selector("#comment-threads", state="attached")
    page.wait_for_timeout(500)
    page.click("[data-element-id=StartEvent_1]")
    page.wait_for_timeout(300)
    assert page.evaluate(PROBE)
    page.goto(f"/modeler/files/{decision.pk}/")
    page.wait_for_timeout(800)
    # then no script ran anywhere
    assert page.evaluate(PROBE)
    assert dialogs == []
