"""Every editor and the task list work with the Content-Security-Policy enforced (no inline script, no eval)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]


def test_pages_run_under_the_content_security_policy(browser, live_site, e2e_user) -> None:  # type: ignore[no-untyped-def]
    from modeler import services

    # given an analyst-employee with a BPMN diagram, a DMN model and a form
    user, password = e2e_user("csp", "Analyst", "Employee")
    project = services.create_project(name="CSP check", owner=user)
    files = {
        kind: services.create_file(project=project, name=f"csp {kind}", kind=kind, user=user)
        for kind in ("bpmn", "dmn", "form")
    }
    context = browser.new_context(base_url=live_site, bypass_csp=False)
    page = context.new_page()
    page.set_default_timeout(20_000)
    violations: list[str] = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    login(page, user.username, password)
    # when they open each editor and the task list with the policy enforced
    for model_file in files.values():
        response = page.goto(f"/modeler/files/{model_file.pk}/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector("body[data-editor-ready=true]")
    page.goto("/tasks/")
    page.wait_for_selector("body[data-live=connected]")
    # and the language switch (formerly an inline handler) still works
    page.select_option("#language-select", "ko")
    page.wait_for_selector('html[lang="ko"]')
    # then nothing was blocked
    assert violations == []
    context.close()
