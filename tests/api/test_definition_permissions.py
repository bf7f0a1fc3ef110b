"""Object permissions on definitions: a process, decision, decision requirements graph or form restricted with a
django-guardian grant is invisible to everyone else (search omits it, gets and XML answer 404) and cannot be
started or evaluated by them; nothing changes on a denied request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from guardian.shortcuts import assign_perm

from bizdevops.engine.state import models as m

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).parent / "fixtures"
OUTSIDERS = ["Developer", "Operator", "Analyst"]


def deploy(client: Any, *names: str) -> None:
    files = [SimpleUploadedFile(n, (FIXTURES / n).read_bytes()) for n in names]
    response = client.post("/v2/deployments", {"resources": files}, format="multipart")
    assert response.status_code == 200, response.content


@pytest.fixture
def restricted(admin_api) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """api_service, api_discount (and its DRG) and api-approve-form restricted to the group Payroll;
    api_flow left open."""
    deploy(admin_api, "api_service.bpmn", "api_flow.bpmn", "api_discount.dmn", "api-approve.form")
    payroll = Group.objects.create(name="Payroll")
    rows = {
        "process": m.ProcessDefinition.objects.get(bpmn_process_id="api_service"),
        "decision": m.DecisionDefinition.objects.get(decision_id="api_discount"),
        "requirements": m.DecisionRequirements.objects.get(),
        "form": m.FormDefinition.objects.get(form_id="api-approve-form"),
    }
    for row in rows.values():
        model = type(row)._meta.model_name
        assign_perm(f"engine.view_{model}", payroll, row)
    return rows


def urls(rows: dict[str, Any]) -> list[str]:
    process, decision = rows["process"].key, rows["decision"].key
    requirements, form = rows["requirements"].key, rows["form"].key
    return [
        f"/v2/process-definitions/{process}",
        f"/v2/process-definitions/{process}/xml",
        f"/v2/process-definitions/{process}/form",
        f"/v2/decision-definitions/{decision}",
        f"/v2/decision-definitions/{decision}/xml",
        f"/v2/decision-requirements/{requirements}",
        f"/v2/decision-requirements/{requirements}/xml",
        f"/v2/forms/{form}",
    ]


SEARCHES = {
    "/v2/process-definitions/search": "processDefinitionId",
    "/v2/decision-definitions/search": "decisionDefinitionId",
    "/v2/decision-requirements/search": "decisionRequirementsId",
}


def found_ids(client: Any) -> dict[str, set[str]]:
    result = {}
    for url, field in SEARCHES.items():
        response = client.post(url, {}, format="json")
        assert response.status_code == 200, response.content
        result[url] = {item[field] for item in response.json()["items"]}
    return result


def snapshot() -> tuple[int, ...]:
    return (
        m.ProcessInstance.objects.count(),
        m.Job.objects.count(),
        m.Variable.objects.count(),
        m.History.objects.count(),
    )


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_find_nothing_of_a_restricted_definition(api, restricted, role) -> None:  # type: ignore[no-untyped-def]
    client = api(role)
    # searches omit the restricted definitions but keep the open one
    found = found_ids(client)
    assert found["/v2/process-definitions/search"] == {"api_flow"}
    assert found["/v2/decision-definitions/search"] == set()
    assert found["/v2/decision-requirements/search"] == set()
    # gets, XML and the start form answer 404 as for an unknown key
    for url in urls(restricted):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["Developer", "Operator", "Employee", "Manager"])
def test_outsiders_cannot_start_a_restricted_process_and_nothing_changes(api, restricted, role) -> None:  # type: ignore[no-untyped-def]
    client = api(role)
    before = snapshot()
    by_id = client.post("/v2/process-instances", {"processDefinitionId": "api_service"}, format="json")
    by_key = client.post(
        "/v2/process-instances", {"processDefinitionKey": str(restricted["process"].key)}, format="json"
    )
    c7 = client.post("/engine-rest/process-definition/key/api_service/start", {}, format="json")
    assert (by_id.status_code, by_key.status_code, c7.status_code) == (404, 404, 404)
    assert snapshot() == before
    # the open process still starts
    assert (
        client.post("/v2/process-instances", {"processDefinitionId": "api_flow"}, format="json").status_code
        == 200
    )


def test_a_process_restricted_to_one_user_only_starts_for_that_user(api, admin_api) -> None:  # type: ignore[no-untyped-def]
    # given api_service restricted by a grant to one user (no group grant exists)
    deploy(admin_api, "api_service.bpmn")
    insider, outsider = api("Developer", username="insider"), api("Developer", username="outsider")
    process = m.ProcessDefinition.objects.get(bpmn_process_id="api_service")
    assign_perm("engine.view_processdefinition", User.objects.get(username="insider"), process)
    before = snapshot()
    # when the outsider starts it, by id and by key, then it is not found and nothing changes
    for body in ({"processDefinitionId": "api_service"}, {"processDefinitionKey": str(process.key)}):
        assert outsider.post("/v2/process-instances", body, format="json").status_code == 404
    assert snapshot() == before
    # and the user holding the grant starts it
    started = insider.post("/v2/process-instances", {"processDefinitionId": "api_service"}, format="json")
    assert started.status_code == 200, started.content


def test_the_start_check_is_one_query_while_no_process_is_restricted(api, admin_api) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bizdevops.api.permissions import require_candidate_starter

    # given an open process and a caller with its groups loaded (as the API's authentication does)
    deploy(admin_api, "api_service.bpmn")
    api("Developer", username="starter")
    user = User.objects.get(username="starter")
    user._api_groups = ["Developer"]
    require_candidate_starter(user, bpmn_process_id="api_service", tenant_id="<default>")  # BPMN parsed once
    del user._api_hidden_definitions  # a new request
    # when the caller's right to start it is checked
    with CaptureQueriesContext(connection) as queries:
        require_candidate_starter(user, bpmn_process_id="api_service", tenant_id="<default>")
    # then one query answers both which definition it is and that nothing is restricted
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("role", ["Developer", "Analyst"])
def test_outsiders_cannot_evaluate_a_restricted_decision(api, restricted, role) -> None:  # type: ignore[no-untyped-def]
    client = api(role)
    before = snapshot()
    for body in (
        {"decisionDefinitionId": "api_discount", "variables": {"customerType": "gold"}},
        {"decisionDefinitionKey": str(restricted["decision"].key), "variables": {}},
    ):
        response = client.post("/v2/decision-definitions/evaluation", body, format="json")
        assert response.status_code == 404, response.content
    assert snapshot() == before


@pytest.mark.parametrize("grant", ["group", "user", "admin"])
def test_grant_holders_and_admins_see_start_and_evaluate(api, restricted, grant) -> None:  # type: ignore[no-untyped-def]
    client = api("Admin" if grant == "admin" else "Developer", username="insider")
    user = User.objects.get(username="insider")
    if grant == "group":
        user.groups.add(Group.objects.get(name="Payroll"))
    elif grant == "user":
        for row in restricted.values():
            assign_perm(f"engine.view_{type(row)._meta.model_name}", user, row)
    found = found_ids(client)
    assert found["/v2/process-definitions/search"] == {"api_flow", "api_service"}
    assert found["/v2/decision-definitions/search"] == {"api_discount"}
    for url in urls(restricted):
        assert client.get(url).status_code in (200, 204), url
    started = client.post("/v2/process-instances", {"processDefinitionId": "api_service"}, format="json")
    assert started.status_code == 200, started.content
    evaluated = client.post(
        "/v2/decision-definitions/evaluation",
        {"decisionDefinitionId": "api_discount", "variables": {"customerType": "gold"}},
        format="json",
    )
    assert evaluated.status_code == 200


def test_a_new_version_stays_restricted(api, admin_api, restricted) -> None:  # type: ignore[no-untyped-def]
    # given a second version of the restricted process
    changed = (FIXTURES / "api_service.bpmn").read_bytes().replace(b"</bpmn:process>", b"</bpmn:process>\n")
    files = [SimpleUploadedFile("api_service.bpmn", changed)]
    assert admin_api.post("/v2/deployments", {"resources": files}, format="multipart").status_code == 200
    assert m.ProcessDefinition.objects.filter(bpmn_process_id="api_service").count() == 2
    # then outsiders see neither version
    found = found_ids(api("Developer"))
    assert found["/v2/process-definitions/search"] == {"api_flow"}


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("api_service.bpmn", b"</bpmn:process>", b"</bpmn:process>\n"),
        ("api_discount.dmn", b"</definitions>", b"</definitions>\n"),
        ("api-approve.form", b"{", b"{ "),
    ],
)
def test_outsiders_cannot_deploy_a_new_version_of_a_restricted_definition(
    api, restricted, name, old, new
) -> None:  # type: ignore[no-untyped-def]
    # given a Developer (may deploy) outside the group a definition is restricted to
    developer = api("Developer")
    before = m.Deployment.objects.count()
    changed = (FIXTURES / name).read_bytes().replace(old, new, 1)
    assert changed != (FIXTURES / name).read_bytes()
    # when they deploy a changed version of it
    files = [SimpleUploadedFile(name, changed)]
    response = developer.post("/v2/deployments", {"resources": files}, format="multipart")
    # then it is refused and nothing was deployed
    assert response.status_code == 403, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert m.Deployment.objects.count() == before
    # while an open process still deploys
    flow = (FIXTURES / "api_flow.bpmn").read_bytes().replace(b"</bpmn:process>", b"</bpmn:process>\n")
    files = [SimpleUploadedFile("api_flow.bpmn", flow)]
    assert developer.post("/v2/deployments", {"resources": files}, format="multipart").status_code == 200


def test_definition_access_command_grants_shows_and_revokes(api, admin_api) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    # given an open process and a Payroll group with one member
    deploy(admin_api, "api_service.bpmn")
    Group.objects.create(name="Payroll")
    insider, outsider = api("Developer", username="pat"), api("Developer", username="olga")
    User.objects.get(username="pat").groups.add(Group.objects.get(name="Payroll"))

    def run(*args: str) -> str:
        out = StringIO()
        call_command("definition_access", *args, stdout=out)
        return out.getvalue()

    assert "open to every reader" in run("show", "process", "api_service")
    # when the process is granted to the group
    assert "group Payroll" in run("grant", "process", "api_service", "--group", "Payroll")
    # then only the group sees it
    assert found_ids(insider)["/v2/process-definitions/search"] == {"api_service"}
    assert found_ids(outsider)["/v2/process-definitions/search"] == set()
    # and after revoking, everyone does again
    assert "open to every reader" in run("revoke", "process", "api_service", "--group", "Payroll")
    assert found_ids(outsider)["/v2/process-definitions/search"] == {"api_service"}
    with pytest.raises(CommandError):
        run("grant", "process", "nope", "--group", "Payroll")


@pytest.fixture
def restricted_instance(admin_api, restricted) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A running api_service instance (restricted process) with a variable and an incident on its job."""
    created = admin_api.post(
        "/v2/process-instances", {"processDefinitionId": "api_service", "variables": {"x": 1}}, format="json"
    )
    assert created.status_code == 200, created.content
    body = {"type": "api-work", "timeout": 30_000, "maxJobsToActivate": 1, "requestTimeout": -1}
    [job] = admin_api.post("/v2/jobs/activation", body, format="json").json()["jobs"]
    failed = admin_api.post(f"/v2/jobs/{job['jobKey']}/failure", {"retries": 0}, format="json")
    assert failed.status_code == 204
    incident = m.Incident.objects.get(process_instance_key=int(job["processInstanceKey"]))
    return {
        "instance": job["processInstanceKey"],
        "element": job["elementInstanceKey"],
        "incident": str(incident.key),
        "variable": str(m.Variable.objects.get(process_instance_key=int(job["processInstanceKey"])).key),
    }


@pytest.mark.parametrize("role", ["Developer", "Operator", "Analyst"])
def test_outsiders_see_nothing_of_a_restricted_process_s_instances(api, restricted_instance, role) -> None:  # type: ignore[no-untyped-def]
    client = api(role)
    keys = restricted_instance
    for url in (
        "/v2/process-instances/search",
        "/v2/jobs/search",
        "/v2/incidents/search",
        "/v2/variables/search",
    ):
        response = client.post(url, {}, format="json")
        assert response.status_code == 200, url
        assert response.json()["items"] == [], url
    elements = client.post(
        "/v2/element-instances/search", {"filter": {"processInstanceKey": keys["instance"]}}, format="json"
    )
    assert elements.json()["items"] == []
    for url in (
        f"/v2/process-instances/{keys['instance']}",
        f"/v2/incidents/{keys['incident']}",
        f"/v2/variables/{keys['variable']}",
        f"/v2/element-instances/{keys['element']}",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ["Developer", "Operator"])
def test_outsiders_cannot_operate_a_restricted_process_s_instances(api, restricted_instance, role) -> None:  # type: ignore[no-untyped-def]
    client = api(role)
    keys = restricted_instance
    before = (snapshot(), list(m.Incident.objects.values_list("state", flat=True)))
    responses = [
        client.post(f"/v2/process-instances/{keys['instance']}/cancellation", {}, format="json"),
        client.put(
            f"/v2/element-instances/{keys['instance']}/variables", {"variables": {"x": 2}}, format="json"
        ),
        client.post(f"/v2/incidents/{keys['incident']}/resolution", {}, format="json"),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert (snapshot(), list(m.Incident.objects.values_list("state", flat=True))) == before
    assert m.ProcessInstance.objects.get(key=int(keys["instance"])).status == "INCIDENT"
    assert m.Variable.objects.get(key=int(keys["variable"])).value == 1


def test_grant_holders_see_and_operate_a_restricted_process_s_instances(api, restricted_instance) -> None:  # type: ignore[no-untyped-def]
    client = api("Operator", username="ops")
    User.objects.get(username="ops").groups.add(Group.objects.get(name="Payroll"))
    keys = restricted_instance
    found = client.post("/v2/process-instances/search", {}, format="json").json()["items"]
    assert [i["processInstanceKey"] for i in found] == [keys["instance"]]
    assert client.get(f"/v2/incidents/{keys['incident']}").status_code == 200
    cancel = client.post(f"/v2/process-instances/{keys['instance']}/cancellation", {}, format="json")
    assert cancel.status_code == 204
