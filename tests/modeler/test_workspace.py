"""Files, versions, diff, comments, deploy and play: behaviour behind the editor pages."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from modeler import sandbox, selectors, services
from modeler.models import Comment, Deployment, FileVersion, ModelFile, Notification
from tests.modeler.conftest import Workspace

TASK = '<bpmn:serviceTask id="Task_1" name="Score"><bpmn:extensionElements><zeebe:taskDefinition type="{type}" /></bpmn:extensionElements></bpmn:serviceTask>'


def _with_task(content: str, job_type: str) -> str:
    return content.replace(
        '<bpmn:startEvent id="StartEvent_1" />',
        '<bpmn:startEvent id="StartEvent_1" />' + TASK.format(type=job_type),
    )


# -- upload and content checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "kind"),
    [
        ("a.bpmn", None, "bpmn"),
        ("risk.dmn", None, "dmn"),
        (
            "f.form",
            b'{"id": "f1", "type": "default", "components": [{"type": "textfield", "key": "a"}]}',
            "form",
        ),
    ],
)
def test_upload_keeps_the_file_byte_for_byte(
    workspace: Workspace, filename: str, data: bytes | None, kind: str
) -> None:
    # given a file made elsewhere
    source = {"bpmn": workspace.bpmn, "dmn": workspace.dmn}.get(kind)
    raw = data if data is not None else source.content.encode()  # type: ignore[union-attr]
    # when it is uploaded
    uploaded = services.upload_file(
        project=workspace.project, filename=filename, data=raw, user=workspace.users["owner"]
    )
    # then it is stored unchanged, with its kind and id
    assert (uploaded.kind, uploaded.content.encode()) == (kind, raw)
    assert uploaded.element_id


@pytest.mark.parametrize(
    ("filename", "data", "fragment"),
    [
        ("x.txt", b"hi", "Upload .bpmn"),
        ("x.form", b"[1, 2]", "JSON object"),
        ("x.form", b'{"components": []}', "'id'"),
        ("x.form", b'{"id": "a", "components": "no"}', "'components'"),
        ("x.form", b"{" * 5000, "not valid JSON"),
        (
            "x.form",
            json.dumps(
                {
                    "id": "a",
                    "components": [],
                    "x": [
                        [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
                    ],
                }
            ).encode(),
            "nested",
        ),
        (
            "x.dmn",
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>',
            "DOCTYPE",
        ),
        ("x.dmn", b"<definitions xmlns='http://www.omg.org/spec/BPMN/20100524/MODEL'/>", "not a DMN"),
        ("x.bpmn", b"\xff\xfe\x00", "UTF-8"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    workspace: Workspace, filename: str, data: bytes, fragment: str
) -> None:
    before = ModelFile.objects.count()
    with pytest.raises(services.FileRejected) as refused:
        services.upload_file(
            project=workspace.project, filename=filename, data=data, user=workspace.users["owner"]
        )
    assert fragment in str(refused.value)
    assert ModelFile.objects.count() == before


def test_dmn_and_form_saves_are_checked(client: Client, workspace: Workspace) -> None:
    client.force_login(workspace.users["editor"])
    url = f"/modeler/api/files/{workspace.form.pk}/content"
    bad = client.put(url, data=json.dumps({"content": "{}"}), content_type="application/json")
    assert bad.status_code == 400
    schema = json.loads(workspace.form.content) | {"id": "renamed_form"}
    ok = client.put(url, data=json.dumps({"content": json.dumps(schema)}), content_type="application/json")
    assert ok.status_code == 200
    assert ModelFile.objects.get(pk=workspace.form.pk).element_id == "renamed_form"


def test_download_names_the_file_with_its_extension(client: Client, workspace: Workspace) -> None:
    client.force_login(workspace.users["viewer"])
    response = client.get(f"/modeler/files/{workspace.dmn.pk}/download/")
    assert response["Content-Disposition"] == 'attachment; filename="Risk.dmn"'
    assert response.content == workspace.dmn.content.encode()


def test_a_folder_cannot_move_into_its_own_subfolder(workspace: Workspace) -> None:
    child = services.create_folder(project=workspace.project, name="Child", parent=workspace.folder)
    with pytest.raises(services.InvalidRequest):
        services.move_folder(folder=workspace.folder, parent=child)


def test_a_file_cannot_move_into_another_projects_folder(workspace: Workspace) -> None:
    other = services.create_project(name="Other", owner=workspace.users["owner"])
    foreign = services.create_folder(project=other, name="Foreign")
    with pytest.raises(services.InvalidRequest):
        services.move_file(model_file=workspace.bpmn, folder=foreign, user=workspace.users["owner"])


# -- versions and diff ------------------------------------------------------------------------------------


def test_restore_is_a_new_change_and_keeps_the_replaced_content(workspace: Workspace) -> None:
    # given a saved change after the milestone
    owner = workspace.users["owner"]
    changed = _with_task(workspace.bpmn.content, "score")
    current = services.save_file_content(model_file=workspace.bpmn, content=changed, user=owner)
    # when the milestone is restored
    restored = services.restore_version(version=workspace.version, user=owner)
    # then the content is the milestone's, the revision moved forward, and the replaced state is a version
    assert restored.content == workspace.version.content
    assert restored.revision == current.revision + 1
    assert FileVersion.objects.filter(file=workspace.bpmn, content=changed).exists()


def test_diff_lists_zeebe_extension_changes(workspace: Workspace) -> None:
    old = _with_task(workspace.bpmn.content, "score")
    new = _with_task(workspace.bpmn.content, "score-v2").replace(
        '<bpmn:startEvent id="StartEvent_1" />', '<bpmn:startEvent id="StartEvent_1" name="Claim in" />'
    )
    changes = selectors.property_changes(old=old, new=new)
    assert changes["changed"]["Task_1"]["changes"] == [
        {"property": "zeebe:taskDefinition[0].type", "old": "score", "new": "score-v2"}
    ]
    assert changes["changed"]["StartEvent_1"]["changes"] == [
        {"property": "name", "old": None, "new": "Claim in"}
    ]
    assert selectors.property_changes(old=workspace.bpmn.content, new=old)["added"] == ["Task_1"]


def test_diff_endpoint_compares_a_version_with_current(client: Client, workspace: Workspace) -> None:
    services.save_file_content(
        model_file=workspace.bpmn,
        content=_with_task(workspace.bpmn.content, "x"),
        user=workspace.users["owner"],
    )
    client.force_login(workspace.users["viewer"])
    body = client.get(
        f"/modeler/api/files/{workspace.bpmn.pk}/diff?a={workspace.version.pk}&b=current"
    ).json()
    assert body["a"]["label"] == "First"
    assert body["properties"]["added"] == ["Task_1"]


# -- comments ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>hello",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">click</a>',
        "<svg><script>alert(1)</script></svg>",
        '<p style="x" onclick="alert(1)">p</p>',
        "<iframe src='https://evil'></iframe>",
    ],
)
def test_comment_text_cannot_run_script(workspace: Workspace, text: str) -> None:
    comment = services.add_comment(model_file=workspace.bpmn, author=workspace.users["commenter"], text=text)
    html = comment.body_html.lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<svg", "<img", "style="):
        assert bad not in html


def test_formatting_and_links_survive_sanitizing(workspace: Workspace) -> None:
    comment = services.add_comment(
        model_file=workspace.bpmn,
        author=workspace.users["owner"],
        text='<b>bold</b> <a href="https://x.test">x</a>',
    )
    assert "<b>bold</b>" in comment.body_html
    assert 'href="https://x.test"' in comment.body_html
    assert "noopener" in comment.body_html


def test_mentions_notify_readers_only(client: Client, workspace: Workspace) -> None:
    # when a commenter mentions a viewer, a stranger and themself
    services.add_comment(
        model_file=workspace.bpmn,
        author=workspace.users["commenter"],
        text="@viewer @stranger @commenter see this",
    )
    # then only the viewer (who can read the project) is notified
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["viewer"]
    client.force_login(workspace.users["viewer"])
    assert client.get("/modeler/api/notifications").json()["unread"] == 1
    assert 'data-testid="notification-count"' in client.get("/modeler/").content.decode()
    # opening the file's comments marks them read
    client.get(f"/modeler/api/files/{workspace.bpmn.pk}/comments")
    assert client.get("/modeler/api/notifications").json()["unread"] == 0


def test_replies_resolve_and_detached_threads(workspace: Workspace) -> None:
    owner = workspace.users["owner"]
    reply = services.add_comment(model_file=workspace.bpmn, author=owner, text="re", parent=workspace.comment)
    # a reply to a reply joins the thread
    nested = services.add_comment(model_file=workspace.bpmn, author=owner, text="re re", parent=reply)
    assert nested.parent_id == workspace.comment.pk
    assert nested.element_id == "StartEvent_1"
    services.set_comment_resolved(comment=reply, resolved=True, user=owner)
    assert Comment.objects.get(pk=workspace.comment.pk).resolved
    # when the element is deleted from the diagram, its thread is listed as detached
    without = workspace.bpmn.content.replace('<bpmn:startEvent id="StartEvent_1" />', "").replace(
        '<bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">\n        <dc:Bounds x="180" y="160" width="36" height="36" />\n      </bpmndi:BPMNShape>',
        "",
    )
    saved = services.save_file_content(model_file=workspace.bpmn, content=without, user=owner)
    threads = selectors.list_comment_threads(model_file=saved)
    assert [(t["elementId"], t["detached"], len(t["replies"])) for t in threads] == [
        ("StartEvent_1", True, 2)
    ]


# -- deploy -----------------------------------------------------------------------------------------------


def test_deploy_is_refused_with_the_problems_and_nothing_is_recorded(
    client: Client, workspace: Workspace
) -> None:
    # given a service task without a job type
    broken = _with_task(workspace.bpmn.content, "")
    services.save_file_content(model_file=workspace.bpmn, content=broken, user=workspace.users["owner"])
    client.force_login(workspace.users["editor"])
    plan = client.get(f"/modeler/api/projects/{workspace.project.pk}/deploy").json()
    assert any(p["elementId"] == "Task_1" for p in plan["problems"])
    response = client.post(
        f"/modeler/api/projects/{workspace.project.pk}/deploy", data="{}", content_type="application/json"
    )
    assert response.status_code == 422
    assert any(p["elementId"] == "Task_1" for p in response.json()["problems"])
    assert Deployment.objects.count() == 0


def test_deploy_then_plan_says_unchanged_then_start(client: Client, workspace: Workspace) -> None:
    # given a valid diagram: start → end
    end = '<bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent><bpmn:endEvent id="End"><bpmn:incoming>f</bpmn:incoming></bpmn:endEvent><bpmn:sequenceFlow id="f" sourceRef="StartEvent_1" targetRef="End" />'
    content = workspace.bpmn.content.replace('<bpmn:startEvent id="StartEvent_1" />', end)
    services.save_file_content(model_file=workspace.bpmn, content=content, user=workspace.users["owner"])
    client.force_login(workspace.users["editor"])
    url = f"/modeler/api/projects/{workspace.project.pk}/deploy"
    assert {r["status"] for r in client.get(url).json()["plan"]} == {"new"}
    # when deployed
    deployed = client.post(url, data="{}", content_type="application/json")
    assert deployed.status_code == 200, deployed.content
    # then the plan says unchanged, and an instance starts with variables
    assert {r["status"] for r in client.get(url).json()["plan"]} == {"unchanged"}
    started = client.post(
        f"/modeler/api/files/{workspace.bpmn.pk}/start",
        data=json.dumps({"variables": {"a": 1}}),
        content_type="application/json",
    )
    assert started.status_code == 201, started.content
    assert started.json()["url"] == f"/operate/instances/{started.json()['key']}"
    bad = client.post(
        f"/modeler/api/files/{workspace.bpmn.pk}/start",
        data=json.dumps({"variables": [1]}),
        content_type="application/json",
    )
    assert bad.status_code == 400


# -- play -------------------------------------------------------------------------------------------------


def test_play_runs_in_the_session_sandbox_only(client: Client, workspace: Workspace) -> None:
    from bizdevops.engine.state import models as engine_models

    # given a diagram start → service task → end
    flows = (
        '<bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        + TASK.format(type="io.camunda:http-json:1").replace(
            "</bpmn:extensionElements>",
            "</bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>",
        )
        + '<bpmn:endEvent id="End"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Task_1" /><bpmn:sequenceFlow id="f2" sourceRef="Task_1" targetRef="End" />'
    )
    content = workspace.bpmn.content.replace('<bpmn:startEvent id="StartEvent_1" />', flows)
    services.save_file_content(model_file=workspace.bpmn, content=content, user=workspace.users["owner"])
    client.force_login(workspace.users["viewer"])
    base = f"/modeler/api/files/{workspace.bpmn.pk}/play"
    # when the user starts a run, the REST job waits for them instead of firing
    state = client.post(
        f"{base}/start", data=json.dumps({"variables": {"amount": 5}}), content_type="application/json"
    ).json()
    assert [w["elementId"] for w in state["waiting"]] == ["Task_1"]
    assert any("Score" in line for line in state["log"])
    # and completing it with variables finishes the run
    done = client.post(
        f"{base}/complete",
        data=json.dumps({"key": state["waiting"][0]["key"], "variables": {"status": 200}}),
        content_type="application/json",
    ).json()
    assert done["finished"]
    assert done["variables"] == {"amount": 5, "status": 200}
    assert done["log"][-1].startswith("✓ process")
    # then nothing reached the engine's tables
    assert engine_models.ProcessInstance.objects.count() == 0
    # and a replay of the stored run gives the same state (deterministic)
    run = client.session[f"modeler.play.{workspace.bpmn.pk}"]
    assert sandbox.replay(run).as_json() == done


def test_play_advances_the_sandbox_clock_to_fire_timers(client: Client, workspace: Workspace) -> None:
    # given start → one-hour timer → end
    flows = (
        '<bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:intermediateCatchEvent id="Wait" name="Wait an hour"><bpmn:incoming>f1</bpmn:incoming>'
        "<bpmn:outgoing>f2</bpmn:outgoing><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        '<bpmn:endEvent id="End"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Wait" />'
        '<bpmn:sequenceFlow id="f2" sourceRef="Wait" targetRef="End" />'
    )
    content = workspace.bpmn.content.replace('<bpmn:startEvent id="StartEvent_1" />', flows)
    services.save_file_content(model_file=workspace.bpmn, content=content, user=workspace.users["owner"])
    client.force_login(workspace.users["editor"])
    base = f"/modeler/api/files/{workspace.bpmn.pk}/play"
    started = client.post(f"{base}/start", data="{}", content_type="application/json").json()
    assert not started["finished"]
    assert [w["kind"] for w in started["waiting"]] == ["timer"]
    # when 30 minutes pass nothing happens; after 60 more the timer fires and the run ends
    half = client.post(
        f"{base}/advance", data=json.dumps({"minutes": 30}), content_type="application/json"
    ).json()
    assert not half["finished"]
    done = client.post(
        f"{base}/advance", data=json.dumps({"minutes": 60}), content_type="application/json"
    ).json()
    assert any("Wait an hour" in line and "✓" in line for line in done["log"])
    assert done["finished"]


def test_diff_of_forms_lists_changed_fields(workspace: Workspace) -> None:
    old = workspace.form.content
    schema = json.loads(old)
    schema["components"][0]["label"] = "Full name"
    schema["components"].append({"id": "Field_2", "type": "number", "key": "age", "label": "Age"})
    changes = selectors.property_changes(old=old, new=json.dumps(schema), kind="form")
    assert changes["added"] == ["Field_2"]
    assert changes["changed"]["Field_1"]["changes"] == [
        {"property": "label", "old": "Name", "new": "Full name"}
    ]


def test_diff_of_decisions_lists_changed_cells(workspace: Workspace) -> None:
    old = workspace.dmn.content
    new = old.replace("<text>category</text>", "<text>customer.category</text>")
    changes = selectors.property_changes(old=old, new=new, kind="dmn")
    assert changes["changed"]["InputExpression_1"]["changes"] == [
        {"property": "text[0].#text", "old": "category", "new": "customer.category"}
    ]
    assert changes["added"] == []


@pytest.mark.parametrize("kind", ["bpmn", "form"])
def test_a_duplicate_gets_its_own_id(workspace: Workspace, kind: str) -> None:
    original = workspace.bpmn if kind == "bpmn" else workspace.form
    copy = services.duplicate_file(model_file=original, user=workspace.users["editor"])
    assert copy.element_id != original.element_id
    assert copy.element_id == services.check_content(kind=kind, content=copy.content)
    assert f'"{original.element_id}"' not in copy.content


def test_a_broken_decision_is_listed_before_deploying(client: Client, workspace: Workspace) -> None:
    broken = workspace.dmn.content.replace("<text>category</text>", "<text>category ==== (</text>")
    services.save_file_content(model_file=workspace.dmn, content=broken, user=workspace.users["owner"])
    client.force_login(workspace.users["viewer"])
    plan = client.get(f"/modeler/api/projects/{workspace.project.pk}/deploy").json()
    assert [p["file"] for p in plan["problems"]] == ["Risk"]


def test_linkable_lists_forms_decisions_and_processes(workspace: Workspace) -> None:
    items = {(i["kind"], i["id"]) for i in selectors.list_linkable(project=workspace.project)}
    assert items == {
        ("process", workspace.bpmn.element_id),
        ("decision", workspace.dmn.element_id),
        ("form", workspace.form.element_id),
    }
