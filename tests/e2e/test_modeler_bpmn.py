"""The BPMN editor as a user works in it: properties panel, templates, linking a form, problems, deploy gate."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]


def _new_project_with_form(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/modeler/")
    page.fill("#project-name", "Leave")
    page.click('[data-testid="create-project"]')
    page.fill("#file-name", "Leave form")
    page.select_option("#file-kind", "form")
    page.click('[data-testid="create-file"]')
    page.wait_for_selector("body[data-editor-ready=true]")
    page.go_back()
    page.fill("#file-name", "Leave days")
    page.select_option("#file-kind", "dmn")
    page.click('[data-testid="create-file"]')
    page.wait_for_selector("body[data-editor-ready=true]")
    page.go_back()
    page.fill("#file-name", "Leave request")
    page.select_option("#file-kind", "bpmn")
    page.click('[data-testid="create-file"]')
    page.wait_for_selector("body[data-editor-ready=true]")


def test_editor_tools_links_and_problems(page, e2e_user) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"{exc} {exc.stack}"))
    user, password = e2e_user("ana", "Analyst")
    login(page, user.username, password)
    _new_project_with_form(page)
    # the zeebe properties panel, minimap and search are there
    assert page.locator(".bio-properties-panel").count() == 1
    assert page.locator(".djs-minimap").count() == 1
    page.click("#search-button")
    page.locator(".djs-search-container.open").wait_for()
    page.keyboard.press("Escape")
    # keyboard shortcuts work on the canvas: Ctrl+F searches, and the shortcuts are listed in a dialog
    page.click("#canvas", position={"x": 400, "y": 300})
    page.wait_for_function("() => window.bpmnModeler.get('canvas').isFocused()")
    page.keyboard.press("Control+f")
    page.locator(".djs-search-container.open").wait_for()
    page.keyboard.type("StartEvent")
    page.locator(".djs-search-container .djs-search-result").first.wait_for()
    page.keyboard.press("Escape")
    page.click("#shortcuts-button")
    assert page.locator("#shortcuts-dialog[open]", has_text="Ctrl+Z").count() == 1
    page.click("#shortcuts-dialog button")
    # when the user appends a user task and a service task
    page.evaluate(
        """() => {
          const m = window.bpmnModeler, modeling = m.get('modeling');
          const start = m.get('elementRegistry').get('StartEvent_1');
          const user = modeling.appendShape(start, { type: 'bpmn:UserTask' });
          modeling.updateProperties(user, { id: 'Review', name: 'Review request' });
          const rule = modeling.appendShape(user, { type: 'bpmn:BusinessRuleTask' });
          modeling.updateProperties(rule, { id: 'Days', name: 'Days left' });
          const service = modeling.appendShape(rule, { type: 'bpmn:ServiceTask' });
          modeling.updateProperties(service, { id: 'Notify', name: 'Notify' });
          m.get('selection').select(service);
        }"""
    )
    # then the problems panel lists the missing job type, and a click selects the task
    problem = page.locator('#problem-list button[data-element-id="Notify"]').first
    problem.wait_for()
    page.evaluate("() => window.bpmnModeler.get('selection').select([])")
    problem.click()
    assert page.evaluate("() => window.bpmnModeler.get('selection').get().map(e => e.id)") == ["Notify"]
    # and deploy is refused while errors remain, with the list
    page.click('[data-testid="deploy"]')
    page.wait_for_selector('[data-testid="deploy-problem-list"]')
    assert "Notify" in page.text_content('[data-testid="deploy-problem-list"]')
    assert page.locator('[data-testid="deploy-confirm"]').is_disabled()
    assert page.locator('#deploy-plan tr[data-status="new"]').count() == 3
    page.click("#deploy-cancel")
    # when the REST connector template is applied to the service task, the job-type problem goes away
    page.select_option('[data-testid="template-picker"]', label="REST Connector")
    page.wait_for_function(
        "() => !document.querySelector('#problem-list button[data-element-id=\"Notify\"]')"
        " || ![...document.querySelectorAll('#problem-list button[data-element-id=\"Notify\"]')]"
        ".some(b => b.textContent.includes('Task definition'))"
    )
    # and the user task's form is picked from the project's files
    page.evaluate(
        "() => window.bpmnModeler.get('selection').select(window.bpmnModeler.get('elementRegistry').get('Review'))"
    )
    page.select_option('[data-testid="link-picker"]', index=1)
    # and the business rule task's called decision too
    page.evaluate(
        "() => window.bpmnModeler.get('selection').select(window.bpmnModeler.get('elementRegistry').get('Days'))"
    )
    page.locator('[data-testid="link-picker"] option', has_text="Leave days").wait_for(state="attached")
    page.select_option('[data-testid="link-picker"]', index=1)
    page.click('[data-testid="save"]')
    page.wait_for_function("document.getElementById('save-status').textContent === 'Saved'")
    xml = page.evaluate("async () => (await window.bpmnModeler.saveXML()).xml")
    assert 'zeebe:formDefinition formId="Leave_form_' in xml
    assert 'zeebe:taskDefinition type="io.camunda:http-json:1"' in xml
    assert '<zeebe:calledDecision decisionId="Leave_days_' in xml
    assert 'resultVariable="decisionResult"' in xml
    assert errors == []
