"""An analyst creates a diagram, adds a task, saves, reloads and sees the task."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]


def test_analyst_models_saves_and_reopens_a_diagram(page, e2e_user) -> None:  # type: ignore[no-untyped-def]
    # given an analyst
    user, password = e2e_user("ana", "Analyst")
    login(page, user.username, password)
    # when they create a diagram and add a service task with the palette-free API and a label
    page.click('a[data-nav="modeler"]')
    page.fill("#new-name", "Invoice approval")
    page.click('[data-testid="create-diagram"]')
    page.wait_for_selector("body[data-editor-ready=true]")
    page.evaluate(
        """() => {
          const m = window.bpmnModeler;
          const start = m.get('elementRegistry').get('StartEvent_1');
          const task = m.get('modeling').appendShape(start, { type: 'bpmn:ServiceTask' });
          m.get('modeling').updateLabel(task, 'Check invoice');
        }"""
    )
    assert page.text_content("#save-status") == "Unsaved changes"
    page.click('[data-testid="save"]')
    page.wait_for_function("document.getElementById('save-status').textContent === 'Saved'")
    # then after a reload the task is there, in the canvas and in the list
    page.reload()
    page.wait_for_selector("body[data-editor-ready=true]")
    assert page.locator(".djs-element .djs-label", has_text="Check invoice").count() == 1
    page.goto("/modeler/")
    assert page.locator('[data-testid="file-list"]', has_text="Invoice approval").count() == 1


def test_a_refused_save_keeps_the_editor_content(page, e2e_user) -> None:  # type: ignore[no-untyped-def]
    user, password = e2e_user("ana", "Analyst")
    login(page, user.username, password)
    page.goto("/modeler/")
    page.fill("#new-name", "Broken")
    page.click('[data-testid="create-diagram"]')
    page.wait_for_selector("body[data-editor-ready=true]")
    # when the server refuses the save (simulated by a stale revision edit from elsewhere)
    page.evaluate(
        """async () => {
          const url = JSON.parse(document.getElementById('editor-data').textContent).contentUrl;
          const body = await (await fetch(url)).json();
          const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken=')).split('=')[1];
          await fetch(url, {method: 'PUT', headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
                            body: JSON.stringify({content: body.content, revision: body.revision})});
          const m = window.bpmnModeler;
          const start = m.get('elementRegistry').get('StartEvent_1');
          m.get('modeling').updateLabel(start, 'My unsaved work');
        }"""
    )
    page.click('[data-testid="save"]')
    page.wait_for_function("document.getElementById('save-status').textContent.startsWith('Not saved')")
    assert "changed by someone else" in page.text_content("#save-status")
    # the editor still holds the work
    assert page.locator(".djs-label", has_text="My unsaved work").count() == 1
