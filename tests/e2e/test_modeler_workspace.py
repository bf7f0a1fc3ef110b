"""Projects, folders and files as a user clicks them: create, rename, duplicate, move, upload, download,
delete with confirmation, and sharing a project read-only with a colleague."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]

FORM = json.dumps(
    {
        "id": "uploaded_form",
        "type": "default",
        "components": [{"type": "textfield", "key": "x", "label": "X"}],
    }
)


def test_owner_organises_files_and_shares_read_only(page, e2e_user, tmp_path) -> None:  # type: ignore[no-untyped-def]
    owner, owner_pw = e2e_user("own", "Analyst")
    viewer, viewer_pw = e2e_user("view", "Employee")
    login(page, owner.username, owner_pw)
    # given a new project with a folder
    page.goto("/modeler/")
    page.fill("#project-name", "Purchasing")
    page.click('[data-testid="create-project"]')
    page.fill("#folder-name", "Approvals")
    page.click('[data-testid="create-folder"]')
    assert page.text_content('[data-testid="project-title"]') == "Approvals"
    page.click("text=.. Up")
    # when the owner creates a diagram at the top level, renames, duplicates and moves it
    page.fill("#file-name", "Order")
    page.select_option("#file-kind", "bpmn")
    page.click('[data-testid="create-file"]')
    page.wait_for_selector("body[data-editor-ready=true]")
    page.go_back()
    page.reload()
    row = page.locator('tr[data-file="Order"]')
    row.locator("summary", has_text="Rename").click()
    row.locator('input[name="name"]').fill("Purchase order")
    row.locator("button", has_text="Rename").click()
    row = page.locator('tr[data-file="Purchase order"]')
    row.locator("button", has_text="Duplicate").click()
    assert page.locator('tr[data-file="Purchase order (copy)"]').count() == 1
    copy = page.locator('tr[data-file="Purchase order (copy)"]')
    copy.locator("summary", has_text="Move").click()
    copy.locator('select[name="target"]').select_option(label="Approvals")
    copy.locator("button", has_text="Move").click()
    assert page.text_content('[data-testid="project-title"]') == "Approvals"
    assert page.locator('tr[data-file="Purchase order (copy)"]').count() == 1
    # and uploads a Camunda Modeler form, which opens unchanged when downloaded
    form_file = tmp_path / "request.form"
    form_file.write_text(FORM)
    page.set_input_files("#upload", str(form_file))
    page.click('[data-testid="upload"]')
    with page.expect_download() as download:
        page.locator('tr[data-file="request"] [data-testid="download"]').click()
    assert download.value.suggested_filename == "request.form"
    assert open(download.value.path()).read() == FORM  # noqa: PTH123
    # a hostile upload is refused with a message
    bad = tmp_path / "evil.bpmn"
    bad.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>')
    page.set_input_files("#upload", str(bad))
    page.click('[data-testid="upload"]')
    assert "Upload refused" in page.text_content(".messages")
    # delete asks for confirmation first
    page.locator('tr[data-file="request"] a', has_text="Delete").click()
    page.click('[data-testid="confirm-delete"]')
    assert page.locator('tr[data-file="request"]').count() == 0
    # then the owner shares the project with a viewer
    page.goto("/modeler/")
    page.click("text=Purchasing")
    page.click('[data-testid="project-settings"]')
    page.fill("#grantee", viewer.username)
    page.select_option("#role", "viewer")
    page.click('[data-testid="share"]')
    assert page.locator('[data-testid="shares"]', has_text=viewer.username).count() == 1
    # and the viewer can open the diagram but not change anything
    page.context.clear_cookies()
    login(page, viewer.username, viewer_pw)
    page.goto("/modeler/")
    page.click("text=Purchasing")
    assert page.locator('[data-testid="create-file"]').count() == 0
    page.click("text=Purchase order")
    page.wait_for_selector("body[data-editor-ready=true]")
    assert page.locator('[data-testid="save"]').count() == 0
    assert page.text_content('[data-testid="role"]') == "viewer"
