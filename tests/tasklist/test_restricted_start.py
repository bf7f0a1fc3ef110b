"""A process restricted to some users (object permission on its definition) cannot be started from the
Tasklist by anyone else: it is not listed, its start page is 404 and a start request starts nothing."""

from __future__ import annotations

import json

from django.test import Client
from guardian.shortcuts import assign_perm

from bizdevops.engine.state.models import ProcessDefinition, ProcessInstance
from tests.tasklist.conftest import APPLICATION


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_restricted_process_is_not_startable_by_others(demo_process, make_user) -> None:  # type: ignore[no-untyped-def]
    # given the enrolment process restricted to one employee
    insider, other = make_user("insider", "Employee"), make_user("other", "Employee")
    definition = ProcessDefinition.objects.get(bpmn_process_id="simple_insurance_enrolment")
    assign_perm("engine.view_processdefinition", insider, definition)
    # when another employee looks for it and tries to start it
    page = as_user(other).get("/tasks/").content.decode()
    start_page = as_user(other).get("/tasks/start/simple_insurance_enrolment/")
    started = as_user(other).post(
        "/tasks/api/start/simple_insurance_enrolment",
        data=json.dumps({"data": APPLICATION}),
        content_type="application/json",
    )
    # then it is neither listed nor startable, and nothing started
    assert "/tasks/start/simple_insurance_enrolment/" not in page
    assert start_page.status_code == 404
    assert started.status_code == 404
    assert not ProcessInstance.objects.exists()
    # while the employee it is granted to starts it as before
    mine = as_user(insider).post(
        "/tasks/api/start/simple_insurance_enrolment",
        data=json.dumps({"data": APPLICATION}),
        content_type="application/json",
    )
    assert mine.status_code == 201, mine.content[:300]
    assert "/tasks/start/simple_insurance_enrolment/" in as_user(insider).get("/tasks/").content.decode()
