"""DMN and form editors as a user works in them: decision table and literal expression views, a form with a
live preview; both save and reopen."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]


def _save(page) -> None:  # type: ignore[no-untyped-def]
    page.click('[data-testid="save"]')
    page.wait_for_function("document.getElementById('save-status').textContent === 'Saved'")


def test_dmn_table_and_literal_expression(page, e2e_user) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    user, password = e2e_user("ana", "Analyst")
    login(page, user.username, password)
    page.goto("/modeler/")
    page.fill("#project-name", "Rules")
    page.click('[data-testid="create-project"]')
    page.fill("#file-name", "Discount")
    page.select_option("#file-kind", "dmn")
    page.click('[data-testid="create-file"]')
    page.wait_for_selector("body[data-editor-ready=true]")
    # the DRD shows the decision; the table view opens from its tab, and a rule is added there
    assert page.locator(".dmn-drd-container .djs-element").count() >= 1
    page.click('#dmn-views button[data-view-type="decisionTable"]')
    page.wait_for_selector(".tjs-table")
    page.click(".add-rule-add")
    page.wait_for_function("document.querySelectorAll('.tjs-table tbody tr').length === 1")
    _save(page)
    page.reload()
    page.wait_for_selector("body[data-editor-ready=true]")
    page.click('#dmn-views button[data-view-type="decisionTable"]')
    page.wait_for_function("document.querySelectorAll('.tjs-table tbody tr').length === 1")
    assert errors == []


def test_form_editor_live_preview(page, e2e_user) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    user, password = e2e_user("ana", "Analyst")
    login(page, user.username, password)
    page.goto("/modeler/")
    page.fill("#project-name", "Forms")
    page.click('[data-testid="create-project"]')
    page.fill("#file-name", "Leave form")
    page.select_option("#file-kind", "form")
    page.click('[data-testid="create-file"]')
    page.wait_for_selector("body[data-editor-ready=true]")
    # when the user selects the field in the editor and renames its label in the properties panel
    page.click(".fjs-editor-container .fjs-form-field-textfield")
    general = page.locator(".fjs-properties-container .bio-properties-panel-group-header", has_text="General")
    if "open" not in (general.get_attribute("class") or ""):
        general.click()
    label = page.locator(
        '.fjs-properties-container [data-entry-id="label"] [contenteditable], .fjs-properties-container #bio-properties-panel-label'
    ).first
    label.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("Employee name")
    # then the live preview shows the new label, and typing there shows the submitted data
    preview = page.locator('[data-testid="form-preview"]')
    preview.locator("label", has_text="Employee name").wait_for()
    preview.locator("input").first.fill("Kim")
    page.locator('[data-testid="form-preview-data"]', has_text='"name": "Kim"').wait_for()
    _save(page)
    page.reload()
    page.wait_for_selector("body[data-editor-ready=true]")
    page.locator('[data-testid="form-preview"] label', has_text="Employee name").wait_for()
    # a milestone of the form opens read-only, and the diff with the template lists the label change
    page.click('[data-testid="tab-versions"]')
    page.fill("#version-name", "Named field")
    page.click('[data-testid="save-version"]')
    page.click('[data-testid="version-list"] a:has-text("Named field")')
    page.wait_for_selector("body[data-editor-ready=true]")
    page.locator(".fjs-container label", has_text="Employee name").wait_for()
    page.go_back()
    page.wait_for_selector("body[data-editor-ready=true]")
    page.evaluate(
        """() => {
          const editor = window.formEditor;
          const field = editor.get('formFieldRegistry').getAll().find((f) => f.type === 'textfield');
          editor.get('modeling').editFormField(field, 'label', 'Staff name');
        }"""
    )
    _save(page)
    page.click('[data-testid="tab-versions"]')
    page.click('[data-testid="compare-link"]')
    page.select_option("#a", label="Named field")
    page.select_option("#b", label="Current")
    page.click("button:has-text('Compare')")
    page.wait_for_selector("body[data-diff-ready=true]")
    row = page.locator(".diff-row", has_text="label")
    assert "Employee name" in row.text_content()
    assert "Staff name" in row.text_content()
    assert errors == []
