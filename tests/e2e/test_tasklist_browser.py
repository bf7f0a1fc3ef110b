"""Tasklist in the browser, as employees use it: start the demo enrolment from its start form, review and
approve it, watch a colleague's claim arrive live, filter and save views, drafts, field errors, phone size."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def demo_deployed(committed_db) -> None:  # type: ignore[no-untyped-def]
    from tests.tasklist.conftest import deploy_demo

    deploy_demo()  # same bytes on every call: the engine keeps the version


def start_enrolment(name: str, **overrides: object) -> int:
    """An enrolment started directly through the engine; returns the process instance key."""
    from bizdevops.engine import services as engine
    from tests.tasklist.conftest import APPLICATION

    created = engine.create_process_instance(
        bpmn_process_id="simple_insurance_enrolment",
        variables={**APPLICATION, "applicantName": name, **overrides},
    )
    return int(created.process_instance_key)


def open_task_of(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"/tasks/?view=all&search={name}&search_variables=applicantName")
    page.click('[data-testid="task-table"] a.tl-task-link')
    page.wait_for_selector("body[data-form-ready=true]")


def pick(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    """Choose in a form-js select (a custom dropdown)."""
    field = page.locator(".fjs-form-field-select", has=page.locator("label", has_text=label))
    field.locator(".fjs-input-group").click()
    field.locator(".fjs-dropdownlist-item", has_text=option).first.click()


def test_demo_path_start_review_approve_done(browser, live_site, e2e_user, demo_deployed) -> None:  # type: ignore[no-untyped-def]
    from bizdevops.engine.state.models import ProcessInstance, Variable

    employee, employee_pw = e2e_user("kim", "Employee")
    manager, manager_pw = e2e_user("lee", "Manager")
    applicant = f"홍길동-{uuid.uuid4().hex[:5]}"
    context = browser.new_context(base_url=live_site, viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    # given the employee on the task list
    login(page, employee.username, employee_pw)
    page.click('a[data-nav="tasklist"]')
    # when they start the enrolment from its start form
    page.click('[data-start="simple_insurance_enrolment"]')
    page.wait_for_selector("body[data-form-ready=true]")
    page.get_by_label("이름").fill(applicant)
    page.get_by_label("나이").fill("52")
    page.get_by_label("이메일").fill("hong@example.com")
    pick(page, "상품", "고급형")
    page.get_by_label("보장 금액 (원)").fill("100000000")
    page.get_by_label("흡연자입니다").check()
    page.set_input_files(
        ".fjs-form-field-filepicker input[type=file]",
        files=[{"name": "신분증.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n%demo\n"}],
    )
    page.get_by_label("개인정보 수집·이용에 동의합니다").check()
    page.click('[data-testid="start"]')
    page.wait_for_url("**/tasks/?started=*")
    # then the review task is offered to them; they claim it and see the DMN's rating
    open_task_of(page, applicant)
    assert page.locator("#diagram .tl-current").count() == 1 or page.wait_for_selector(
        "body[data-diagram-ready=true]"
    )
    assert (
        page.locator('[data-testid="documents"] a', has_text="신분증.pdf").count() == 1
    )  # uploaded at start
    page.click('[data-testid="claim"]')
    page.wait_for_selector("body[data-form-ready=true]")
    assert "high" in page.text_content('[data-testid="form"]')  # smoker aged 52: rule 1 of the table
    page.get_by_label("승인 권고").check()
    page.get_by_label("월 보험료 (원)").fill("52000")
    page.click('[data-testid="complete"]')
    page.wait_for_url("**/tasks/?completed=*")
    context.close()

    # and the manager approves
    context = browser.new_context(base_url=live_site, viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    login(page, manager.username, manager_pw)
    open_task_of(page, applicant)
    assert page.locator("h1#task-title").text_content() == "관리자 승인"
    page.click('[data-testid="claim"]')
    page.wait_for_selector("body[data-form-ready=true]")
    assert "52000" in page.text_content('[data-testid="form"]')
    page.get_by_label("승인", exact=True).check()
    page.click('[data-testid="complete"]')
    page.wait_for_url("**/tasks/?completed=*")
    context.close()
    # then the instance is complete
    key = Variable.objects.get(name="applicantName", value=applicant).process_instance_key
    assert ProcessInstance.objects.get(key=key).status == "COMPLETED"
    assert Variable.objects.get(process_instance_key=key, name="approvalDecision").value == "approve"


def test_a_claim_in_one_browser_shows_live_in_the_other(browser, live_site, e2e_user, demo_deployed) -> None:  # type: ignore[no-untyped-def]
    alice, alice_pw = e2e_user("alice", "Employee")
    bob, bob_pw = e2e_user("bob", "Employee")
    applicant = f"live-{uuid.uuid4().hex[:6]}"
    start_enrolment(applicant)
    pages = []
    for user, password in ((alice, alice_pw), (bob, bob_pw)):
        context = browser.new_context(base_url=live_site, viewport={"width": 1300, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        login(page, user.username, password)
        page.goto(f"/tasks/?view=all&search={applicant}&search_variables=applicantName")
        page.wait_for_selector("body[data-live=connected]")
        pages.append(page)
    alice_page, bob_page = pages
    row = bob_page.locator('[data-testid="task-table"] tbody tr').first
    assert "Unassigned" in row.locator('[data-testid="assignee"]').text_content()
    # when Alice claims the task
    alice_page.click("a.tl-task-link")
    alice_page.click('[data-testid="claim"]')
    alice_page.wait_for_selector('[data-testid="complete"]')
    # then Bob sees it claimed by Alice without reloading
    bob_page.wait_for_function(
        "name => document.querySelector('[data-testid=task-table] tbody [data-testid=assignee]').textContent.includes(name)",
        arg=alice.username,
    )
    # and a new task appears for both, live, when a process starts elsewhere
    start_enrolment(applicant + "-2")
    bob_page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=task-table] tbody tr[data-task-key]').length === 2"
    )
    for page in pages:
        page.context.close()


def test_filter_save_view_and_counts(page, e2e_user, demo_deployed) -> None:  # type: ignore[no-untyped-def]
    user, password = e2e_user("kim", "Employee")
    tag = uuid.uuid4().hex[:6]
    start_enrolment(f"필터-{tag}-a")
    start_enrolment(f"필터-{tag}-b", smoker=True, age=61)
    login(page, user.username, password)
    page.goto("/tasks/?view=all")
    # when they search in the applicant name variable and save the filter as a view
    page.click(".tl-filters summary")
    page.fill("#f-search", f"필터-{tag}")
    page.fill("#f-vars", "applicantName")
    page.select_option("#f-process", "simple_insurance_enrolment")
    page.click(".tl-filter-actions button[type=submit]")
    assert page.locator('[data-testid="task-table"] tbody tr[data-task-key]').count() == 2
    page.fill("#view-name", f"내 필터 {tag}")
    page.click('[data-testid="save-view"]')
    # then the view is in the sidebar with its count, and it survives a new session
    link = page.locator('[data-testid="views"] a', has_text=f"내 필터 {tag}")
    assert link.locator(".tl-count").text_content() == "2"
    page.context.clear_cookies()
    login(page, user.username, password)
    page.goto("/tasks/")
    page.locator('[data-testid="views"] a', has_text=f"내 필터 {tag}").click()
    assert page.locator('[data-testid="task-table"] tbody tr[data-task-key]').count() == 2
    # sorting by priority puts the high-risk (priority 80) application first
    page.click('a[data-sort="priority"]')
    page.click('a[data-sort="priority"]')
    first = page.locator('[data-testid="task-table"] tbody tr[data-task-key]').first
    assert first.locator("td").nth(5).text_content() == "80"


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button, a[href]')]
  .filter(el => el.type !== 'hidden' && !el.classList.contains('fjs-hidden') && el.getClientRects().length)
  .filter(el => !((el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.title
                  || ((el.tagName === 'BUTTON' || el.tagName === 'A') && el.textContent.trim())))
  .map(el => el.outerHTML.slice(0, 120))"""


def test_field_errors_draft_and_phone_keyboard(browser, live_site, e2e_user, demo_deployed) -> None:  # type: ignore[no-untyped-def]
    user, password = e2e_user("kim", "Employee")
    applicant = f"draft-{uuid.uuid4().hex[:6]}"
    start_enrolment(applicant)
    # a phone-sized browser
    context = browser.new_context(
        base_url=live_site, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    login(page, user.username, password)
    page.goto(f"/tasks/?view=all&search={applicant}&search_variables=applicantName")
    # the table is shown as cards: no horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert page.locator('[data-testid="task-table"] thead').bounding_box()["height"] <= 1
    page.click(".tl-filters summary")
    assert page.evaluate(UNLABELLED) == []  # every control has an accessible name
    page.click("a.tl-task-link")
    page.wait_for_selector("body[data-form-ready=true]")
    assert page.evaluate(UNLABELLED) == []
    # keyboard only: tab to "Assign to me" and press Enter
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "claim":
            break
    # the focused control shows a visible focus ring (WCAG 2.4.7)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_selector('[data-testid="complete"]')
    # choosing "decline" shows the reason field; a half-filled form is saved as a draft
    page.get_by_label("거절").check()
    page.get_by_label("거절 사유").fill("서류")
    # form-js debounces typing before it updates its state; reload as soon as the state has the text,
    # before the Tasklist's own debounced save reached the server
    page.wait_for_function("window.tasklistForm._getState().data.declineReason === '서류'")
    page.reload()  # at once: the last edit is sent as the page goes away
    page.wait_for_selector("body[data-form-ready=true]")
    assert page.get_by_label("거절 사유").input_value() == "서류"
    # the browser's own check catches the too-short reason; the server's check catches what a crafted
    # request sends and answers with field errors
    page.click('[data-testid="complete"]')
    assert page.locator(".fjs-form-field-error").count() >= 1
    response = page.evaluate(
        """async () => {
          const d = JSON.parse(document.getElementById('task-data').textContent);
          const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken=')).split('=')[1];
          const r = await fetch(d.urls.complete, {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
                                body: JSON.stringify({data: {reviewDecision: 'decline', declineReason: 'x'}})});
          return [r.status, await r.json()];
        }"""
    )
    assert response[0] == 400
    assert response[1]["fieldErrors"] == {"declineReason": "Field must have minimum length of 5."}
    page.get_by_label("거절 사유").fill("서류 미비로 거절합니다")
    page.click('[data-testid="complete"]')
    page.wait_for_url("**/tasks/?completed=*")
    context.close()


def test_manager_assigns_sets_follow_up_and_unassigns(page, e2e_user, demo_deployed) -> None:  # type: ignore[no-untyped-def]
    from bizdevops.engine.state.models import UserTask, Variable

    boss, password = e2e_user("boss", "Manager", "Employee")
    worker, _ = e2e_user("kim", "Employee")
    applicant = f"assign-{uuid.uuid4().hex[:6]}"
    key = start_enrolment(applicant)
    login(page, boss.username, password)
    open_task_of(page, applicant)
    # when the manager assigns the task to a colleague
    page.fill("#assignee-input", worker.username)
    page.click('[data-testid="assign"]')
    assert worker.username in page.text_content('[data-testid="task-assignee"]')
    # and sets a follow-up date
    page.fill("#follow-up-input", "2031-03-15")
    page.click('[data-testid="set-follow-up"]')
    assert page.text_content('[data-testid="task-follow-up"]').startswith("2031-03-15")
    history = page.text_content('[data-testid="history"]')
    assert f"assigned · {worker.username}" in history
    # then gives it back to the group
    page.click('[data-testid="unclaim"]')
    assert "Unassigned" in page.text_content('[data-testid="task-assignee"]')
    task = UserTask.objects.get(process_instance_key=key)
    assert task.assignee == ""
    assert task.follow_up_date is not None
    assert Variable.objects.filter(process_instance_key=key, name="applicantName").exists()


def test_a_job_based_user_task_is_claimed_and_completed_with_its_form(browser, live_site, e2e_user) -> None:  # type: ignore[no-untyped-def]
    # given a leave request whose review is a job-based user task (no zeebe:userTask, Modeler < 8.5)
    from pathlib import Path

    from bizdevops.engine import services as engine
    from bizdevops.engine.state.models import Job, Variable

    bpmn = Path(__file__).resolve().parents[1] / "tasklist" / "job_tasks.bpmn"
    engine.deploy_resources(resources=[("job_tasks.bpmn", bpmn.read_bytes())])
    employee, password = e2e_user("jo", "Employee")
    created = engine.create_process_instance(
        bpmn_process_id="leave_request",
        variables={"owner": None, "reviewGroups": ["Employee"], "reviewers": [], "due": None},
    )
    job = Job.objects.get(process_instance_key=created.process_instance_key)
    context = browser.new_context(base_url=live_site, viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    # when the employee finds it in the list of open tasks, claims it and submits its form
    login(page, employee.username, password)
    page.goto("/tasks/?view=all&search=Review leave")
    page.click(f'[data-testid="task-table"] a.tl-task-link[href="/tasks/{job.key}/"]')
    page.wait_for_selector("body[data-form-ready=true]")
    assert page.locator("h1#task-title").text_content() == "Review leave"
    page.click('[data-testid="claim"]')
    page.wait_for_selector("body[data-form-ready=true]")
    pick(page, "Decision", "Approve")
    page.get_by_label("Days granted").fill("4")
    page.click('[data-testid="complete"]')
    page.wait_for_url("**/tasks/?completed=*")
    context.close()
    # then the job is completed with the form's values
    job.refresh_from_db()
    assert job.state == "COMPLETED"
    values = dict(
        Variable.objects.filter(process_instance_key=job.process_instance_key).values_list("name", "value")
    )
    assert (values["decision"], values["days"]) == ("approve", 4)
