"""Versions and visual diff, comments with mentions, deploy + start, simulation and play — as users click."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]

BUILD = """(jobType) => {
  const m = window.bpmnModeler, modeling = m.get('modeling'), registry = m.get('elementRegistry');
  const start = registry.get('StartEvent_1');
  const task = modeling.appendShape(start, { type: 'bpmn:ServiceTask' });
  modeling.updateProperties(task, { id: 'Score', name: 'Score claim' });
  const ext = m.get('bpmnFactory').create('bpmn:ExtensionElements', { values: [] });
  const def = m.get('bpmnFactory').create('zeebe:TaskDefinition', { type: jobType });
  def.$parent = ext; ext.values.push(def);
  modeling.updateProperties(task, { extensionElements: ext });
  modeling.appendShape(task, { type: 'bpmn:EndEvent' });
}"""


def _create_diagram(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/modeler/")
    page.fill("#new-name", name)
    page.click('[data-testid="create-diagram"]')
    page.wait_for_selector("body[data-editor-ready=true]")


def _save(page) -> None:  # type: ignore[no-untyped-def]
    page.click('[data-testid="save"]')
    page.wait_for_function("document.getElementById('save-status').textContent === 'Saved'")


def test_versions_diff_and_restore(page, e2e_user) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"{exc} {exc.stack}"))
    user, password = e2e_user("ana", "Analyst")
    login(page, user.username, password)
    _create_diagram(page, "Claims")
    page.evaluate(BUILD, "score")
    # when the user saves a milestone, changes the zeebe job type and moves the task, and saves another
    page.click('[data-testid="tab-versions"]')
    page.fill("#version-name", "First draft")
    page.click('[data-testid="save-version"]')
    page.locator('[data-testid="version-list"] li', has_text="First draft").wait_for()
    assert user.username in page.text_content('[data-testid="version-list"]')
    page.evaluate(
        """() => {
          const m = window.bpmnModeler, task = m.get('elementRegistry').get('Score');
          const def = task.businessObject.extensionElements.values[0];
          m.get('modeling').updateModdleProperties(task, def, { type: 'score-v2' });
          m.get('modeling').moveElements([task], { x: 0, y: 120 });
        }"""
    )
    page.fill("#version-name", "Second")
    page.click('[data-testid="save-version"]')
    page.locator('[data-testid="version-list"] li', has_text="Second").wait_for()
    # then the diff of the two marks the task changed and moved, with the zeebe property listed
    page.click('[data-testid="compare-link"]')
    page.select_option("#a", label="First draft")
    page.select_option("#b", label="Second")
    page.click("button:has-text('Compare')")
    page.wait_for_selector("body[data-diff-ready=true]")
    assert errors == []
    row = page.locator('.diff-row[data-element-id="Score"]')
    assert "changed" in row.get_attribute("data-kinds")
    assert "moved" in row.get_attribute("data-kinds")
    assert "zeebe:taskDefinition[0].type" in row.text_content()
    assert "score-v2" in row.text_content()
    assert page.locator('[data-testid="diff-left"] .diff-changed').count() >= 1
    assert page.locator('[data-testid="diff-right"] .diff-changed').count() >= 1
    # and the first draft opens read-only and can be restored as a new change
    page.go_back()
    page.go_back()
    page.wait_for_selector("body[data-editor-ready=true]")
    page.click('[data-testid="tab-versions"]')
    page.click('[data-testid="version-list"] a:has-text("First draft")')
    page.wait_for_selector("body[data-editor-ready=true]")
    assert page.locator(".djs-palette").count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.click('[data-testid="restore"]')
    page.wait_for_url(re.compile(r"/modeler/files/\d+/$"))
    page.wait_for_selector("body[data-editor-ready=true]")
    job_type = page.evaluate(
        "() => window.bpmnModeler.get('elementRegistry').get('Score').businessObject.extensionElements.values[0].type"
    )
    assert job_type == "score"


def test_comments_mentions_badges_and_detached_threads(page, e2e_user) -> None:  # type: ignore[no-untyped-def]
    from modeler import services
    from modeler.models import ModelFile

    owner, owner_pw = e2e_user("own", "Analyst")
    colleague, colleague_pw = e2e_user("col", "Employee")
    login(page, owner.username, owner_pw)
    _create_diagram(page, "Review")
    page.evaluate(BUILD, "score")
    _save(page)
    model_file = ModelFile.objects.get(project__owner=owner, name="Review")
    services.share_project(project=model_file.project, grantee=colleague, role="commenter")
    # when the owner comments on the task, mentioning the colleague, and tries to inject script
    page.evaluate(
        "() => window.bpmnModeler.get('selection').select(window.bpmnModeler.get('elementRegistry').get('Score'))"
    )
    page.click('[data-testid="tab-comments"]')
    page.fill("#comment-text", f'@{colleague.username} please check <img src=x onerror="window.__xss=1">')
    page.click('[data-testid="add-comment"]')
    page.locator(".thread", has_text="please check").wait_for()
    # then the task shows a badge and no script ran
    page.locator('.comment-badge[data-element-id="Score"]').wait_for()
    assert page.evaluate("() => window.__xss") is None
    # when the colleague (a commenter) opens the modeler, the mention is counted; they reply and resolve
    page.context.clear_cookies()
    login(page, colleague.username, colleague_pw)
    page.goto("/modeler/")
    assert page.text_content('[data-testid="notification-count"]').strip().startswith("1")
    page.click(f'a[href="/modeler/files/{model_file.pk}/"] >> nth=0')
    page.wait_for_selector("body[data-editor-ready=true]")
    page.click('[data-testid="tab-comments"]')
    thread = page.locator(".thread", has_text="please check")
    thread.locator(".reply-form textarea").fill("Done")
    thread.locator(".reply-form button").click()
    page.locator(".thread .comment", has_text="Done").wait_for()
    page.locator('.thread [data-testid="resolve"]').click()
    page.locator(".thread.resolved").wait_for()
    assert page.locator('.comment-badge[data-element-id="Score"]').count() == 0
    assert page.locator('[data-testid="save"]').count() == 0  # commenters do not edit
    # when the owner deletes the task, the thread stays, marked detached
    page.context.clear_cookies()
    login(page, owner.username, owner_pw)
    page.goto(f"/modeler/files/{model_file.pk}/")
    page.wait_for_selector("body[data-editor-ready=true]")
    page.evaluate(
        "() => window.bpmnModeler.get('modeling').removeElements([window.bpmnModeler.get('elementRegistry').get('Score')])"
    )
    _save(page)
    page.reload()
    page.wait_for_selector("body[data-editor-ready=true]")
    page.click('[data-testid="tab-comments"]')
    page.locator(".thread.detached", has_text="please check").wait_for()


def test_simulate_play_deploy_and_start(page, e2e_user) -> None:  # type: ignore[no-untyped-def]
    user, password = e2e_user("dev", "Developer")
    login(page, user.username, password)
    _create_diagram(page, "Payout")
    page.evaluate(BUILD, "payout")
    _save(page)
    # token simulation toggles on the canvas
    page.click(".bts-toggle-mode")
    page.wait_for_selector(".bts-toggle-mode:has-text('Token Simulation') .bts-toggle")
    assert page.evaluate("() => window.bpmnModeler.get('toggleMode')._active") is True
    page.click(".bts-toggle-mode")
    # play: the service task waits for the user, who completes it with variables; the log tells each step
    page.click('[data-testid="tab-play"]')
    page.fill("#play-variables", '{"amount": 10}')
    page.click('[data-testid="play-start"]')
    page.locator('[data-testid="play-complete"]').wait_for()
    assert page.locator('.djs-element.play-active[data-element-id="Score"]').count() == 1
    page.fill(".play-item textarea", '{"paid": true}')
    page.click('[data-testid="play-complete"]')
    page.locator('[data-testid="play-log"] li', has_text="process “Payout” completed").wait_for()
    assert "paid = true" in page.text_content('[data-testid="play-log"]')
    # deploy: the confirmation lists the new file; then an instance starts with validated JSON variables
    page.click('[data-testid="deploy"]')
    page.locator('#deploy-plan tr[data-status="new"]', has_text="Payout").wait_for()
    page.click('[data-testid="deploy-confirm"]')
    page.wait_for_function("document.getElementById('deploy-status').textContent !== ''")
    assert page.text_content("#deploy-status").startswith("Deployed")
    page.fill("#start-variables", "{not json")
    page.click('[data-testid="start-instance"]')
    assert "JSON" in page.text_content("#start-error")
    page.fill("#start-variables", '{"amount": 10}')
    page.click('[data-testid="start-instance"]')
    link = page.locator('[data-testid="instance-link"]')
    link.wait_for()
    assert link.get_attribute("href") == f"/operate/instances/{link.text_content()}"
    # a second deploy confirmation says the file is unchanged
    page.click("#deploy-cancel")
    page.click('[data-testid="deploy"]')
    page.locator('#deploy-plan tr[data-status="unchanged"]', has_text="Payout").wait_for()
