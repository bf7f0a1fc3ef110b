"""JSON endpoints the editors talk to. Every error is problem+json; every endpoint checks the project role."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bizdevops.problems import problem
from modeler import selectors, services
from modeler.models import FileVersion, ModelFile
from modeler.permissions import (
    Denied,
    comment_for,
    file_for,
    project_for,
    require_capability,
    require_id_ownership,
    version_for,
)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "element_templates"
MAX_JSON_BODY = 12 * 1024 * 1024


def api(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Map denials and refusals to problem+json."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Denied as exc:
            return problem(exc.status, exc.message, instance=request.path)
        except (services.FileRejected, services.InvalidRequest) as exc:
            return problem(400, str(exc), instance=request.path)
        except services.FileConflict as exc:
            return problem(409, str(exc), instance=request.path, currentRevision=exc.current_revision)
        except _BadBody as exc:
            return problem(400, str(exc), instance=request.path)

    return wrapper


class _BadBody(Exception):
    pass


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_JSON_BODY:
        raise _BadBody("The request body is too large.")
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise _BadBody("The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise _BadBody("Send a JSON object.")
    return payload


def _str(payload: dict[str, Any], key: str, default: str = "") -> str:
    value = payload.get(key, default)
    if not isinstance(value, str):
        raise _BadBody(f"'{key}' must be a string.")
    return value


@api
@require_http_methods(["GET", "PUT"])
def file_content(request: HttpRequest, pk: int) -> HttpResponse:
    """GET the current content and revision; PUT {"content", "revision"} to save."""
    if request.method == "GET":
        model_file = file_for(request.user, pk)
        return JsonResponse(
            {
                "id": model_file.pk,
                "name": model_file.name,
                "kind": model_file.kind,
                "content": model_file.content,
                "revision": model_file.revision,
            }
        )
    model_file = file_for(request.user, pk, "edit_project")
    payload = _body(request)
    if not isinstance(payload.get("content"), str):
        return problem(400, "Send a JSON object with the file's content in 'content'.", instance=request.path)
    revision = payload.get("revision")
    if revision is not None and (not isinstance(revision, int) or isinstance(revision, bool)):
        return problem(400, "'revision' must be an integer.", instance=request.path)
    saved = services.save_file_content(
        model_file=model_file, content=payload["content"], user=request.user, base_revision=revision
    )
    return JsonResponse(
        {"id": saved.pk, "revision": saved.revision, "updatedAt": saved.updated_at.isoformat()}
    )


def _version_row(v: FileVersion) -> dict[str, Any]:
    return {
        "id": v.pk,
        "name": v.name,
        "revision": v.revision,
        "createdBy": (v.created_by.get_full_name() or v.created_by.username) if v.created_by else "",
        "createdAt": v.created_at.isoformat(),
        "url": f"/modeler/files/{v.file_id}/versions/{v.pk}/",
    }


@api
@require_http_methods(["GET", "POST"])
def versions(request: HttpRequest, pk: int) -> HttpResponse:
    """GET the milestones (newest first); POST {"name"} saves the current content as one."""
    if request.method == "GET":
        model_file = file_for(request.user, pk)
        return JsonResponse(
            {"versions": [_version_row(v) for v in selectors.list_versions(model_file=model_file)]}
        )
    model_file = file_for(request.user, pk, "edit_project")
    version = services.create_version(
        model_file=model_file, name=_str(_body(request), "name"), user=request.user
    )
    return JsonResponse(_version_row(version), status=201)


@api
@require_GET
def version(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    v = version_for(request.user, pk, version_pk)
    return JsonResponse({**_version_row(v), "content": v.content, "kind": v.file.kind})


@api
@require_POST
def version_restore(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    v = version_for(request.user, pk, version_pk, "edit_project")
    saved = services.restore_version(version=v, user=request.user)
    return JsonResponse({"id": saved.pk, "revision": saved.revision})


def _content_of(model_file: ModelFile, ref: str) -> tuple[str, str]:
    if ref == "current":
        return model_file.content, "current"
    if not ref.isdigit():
        raise _BadBody("Versions are named by id or 'current'.")
    v = model_file.versions.filter(pk=int(ref)).first()
    if v is None:
        raise Denied(404, "No such version.")
    return v.content, v.name


@api
@require_GET
def diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Both contents and the changed properties per element, zeebe extension elements included."""
    model_file = file_for(request.user, pk)
    old, old_label = _content_of(model_file, request.GET.get("a", "current"))
    new, new_label = _content_of(model_file, request.GET.get("b", "current"))
    return JsonResponse(
        {
            "a": {"label": old_label, "content": old},
            "b": {"label": new_label, "content": new},
            "kind": model_file.kind,
            "properties": selectors.property_changes(old=old, new=new, kind=model_file.kind),
        }
    )


@api
@require_http_methods(["GET", "POST"])
def comments(request: HttpRequest, pk: int) -> HttpResponse:
    """GET the threads; POST {"text", "elementId"?, "parent"?} adds a thread or a reply."""
    if request.method == "GET":
        model_file = file_for(request.user, pk)
        services.mark_notifications_read(user=request.user, model_file=model_file)
        return JsonResponse({"threads": selectors.list_comment_threads(model_file=model_file)})
    model_file = file_for(request.user, pk, "comment_project")
    payload = _body(request)
    parent = None
    if payload.get("parent") is not None:
        if not isinstance(payload["parent"], int):
            raise _BadBody("'parent' must be a comment id.")
        parent = comment_for(request.user, pk, payload["parent"])
    comment = services.add_comment(
        model_file=model_file,
        author=request.user,
        text=_str(payload, "text"),
        element_id=_str(payload, "elementId"),
        parent=parent,
    )
    return JsonResponse({"id": comment.pk, "html": comment.body_html}, status=201)


@api
@require_POST
def comment_resolve(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    comment = comment_for(request.user, pk, comment_pk)
    resolved = _body(request).get("resolved", True)
    if not isinstance(resolved, bool):
        raise _BadBody("'resolved' must be true or false.")
    root = services.set_comment_resolved(comment=comment, resolved=resolved, user=request.user)
    return JsonResponse({"id": root.pk, "resolved": root.resolved})


@api
@require_POST
def validate(request: HttpRequest, pk: int) -> HttpResponse:
    """The engine's deploy validation of the content in the editor (not saved)."""
    model_file = file_for(request.user, pk)
    content = _str(_body(request), "content", model_file.content)
    services.check_content(kind=model_file.kind, content=content)
    probe = ModelFile(kind=model_file.kind, content=content, name=model_file.name)
    return JsonResponse({"problems": selectors.deployment_problems(model_file=probe)})


@api
@require_GET
def linkable(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_for(request.user, pk)
    return JsonResponse({"items": selectors.list_linkable(project=project)})


@api
@require_GET
def element_templates(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return problem(401, "Log in first.", instance=request.path)
    templates = [json.loads(p.read_text("utf-8")) for p in sorted(TEMPLATES_DIR.glob("*.json"))]
    return JsonResponse(templates, safe=False)


@api
@require_http_methods(["GET", "POST"])
def deploy(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what a deploy of the project would change, and the problems blocking it. POST: deploy."""
    codename = "view_project_files" if request.method == "GET" else "edit_project"
    project = project_for(request.user, pk, codename)
    files = list(project.files.order_by("kind", "name"))
    if request.method == "GET":
        problems = [p for f in files for p in selectors.deployment_problems(model_file=f)]
        return JsonResponse({"plan": selectors.deployment_plan(files=files), "problems": problems})
    # The project role says who may change the model; deploying changes production, so it also needs the
    # platform's deploy capability and must not take over ids other people deployed.
    require_capability(request.user, "deploy")
    require_id_ownership(request.user, project, files)
    try:
        result = services.deploy_files(files=files, user=request.user)
    except services.DeployRefused as exc:
        return problem(422, str(exc), instance=request.path, problems=list(exc.problems))
    except services.EngineUnavailable as exc:
        return problem(503, str(exc), instance=request.path)
    return JsonResponse({"key": result["key"], "plan": selectors.deployment_plan(files=files)})


def _require_startable(user: Any, bpmn_process_id: str) -> None:
    """The Tasklist's starter rule (candidateStarterGroups/Users of the latest version), so the modeler
    cannot start what the Tasklist would refuse."""
    from bizdevops.engine.state.models import ProcessDefinition
    from tasklist.selectors import get_startable_process

    if not ProcessDefinition.objects.filter(bpmn_process_id=bpmn_process_id).exists():
        raise Denied(404, _("The process is not deployed yet: deploy the project first."))
    if get_startable_process(user, bpmn_process_id) is None:
        raise Denied(
            403,
            _("You may not start this process: it names who may start it, or it has no plain start event."),
        )


@api
@require_POST
def start_instance(request: HttpRequest, pk: int) -> HttpResponse:
    """Start an instance of the file's process (latest deployed version) with JSON variables."""
    model_file = file_for(request.user, pk, "edit_project")
    require_capability(request.user, "start")
    variables = _body(request).get("variables", {})
    if not isinstance(variables, dict):
        raise _BadBody("'variables' must be a JSON object.")
    _require_startable(request.user, model_file.element_id)
    try:
        from bizdevops.engine import services as engine_services
    except ImportError:
        engine_services = None
    create = getattr(engine_services, "create_process_instance", None)
    if create is None:
        return problem(
            503, "The engine is not available yet: instances cannot be started.", instance=request.path
        )
    from bizdevops.engine.core.errors import EngineError

    try:
        instance = create(bpmn_process_id=model_file.element_id, variables=variables, user=request.user)
    except EngineError as exc:
        return problem(400, str(exc), instance=request.path)
    key = instance.process_instance_key
    return JsonResponse({"key": str(key), "url": f"/operate/instances/{key}"}, status=201)


@api
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return problem(401, "Log in first.", instance=request.path)
    rows = [
        {
            "id": n.pk,
            "read": n.read,
            "file": n.comment.file_id,
            "fileName": n.comment.file.name,
            "author": n.comment.author.username,
            "html": n.comment.body_html,
            "url": f"/modeler/files/{n.comment.file_id}/#comment-{n.comment_id}",
        }
        for n in selectors.list_notifications(user=request.user)
    ]
    return JsonResponse({"unread": selectors.unread_notification_count(user=request.user), "items": rows})


PLAY_SESSION_KEY = "modeler.play.{pk}"
# Every play request replays the whole run: a per-user budget of requests per window keeps one viewer from
# keeping a worker busy (each replay is also bounded by sandbox.MAX_KEYS).
PLAY_RATE = 30
PLAY_WINDOW_SECONDS = 60


def _play_allowed(user: Any) -> bool:
    """Count this play request in the user's window (a cache counter shared by all workers). The window
    starts at the user's first request and lasts PLAY_WINDOW_SECONDS (incr keeps the key's expiry)."""
    from django.core.cache import cache

    key = f"modeler.play.rate.{user.pk}"
    cache.add(key, 0, timeout=PLAY_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=PLAY_WINDOW_SECONDS)
        count = 1
    return count <= PLAY_RATE


@api
@require_http_methods(["GET", "POST"])
def play(request: HttpRequest, pk: int, action: str = "") -> HttpResponse:
    """Play mode in a per-session sandbox: GET the state, POST start {variables} or complete {key, variables}."""
    from modeler import sandbox

    model_file = file_for(request.user, pk)
    if not _play_allowed(request.user):
        response = problem(
            429,
            _("Too many sandbox requests: wait a minute and try again."),
            instance=request.path,
        )
        response["Retry-After"] = str(PLAY_WINDOW_SECONDS)
        return response
    session_key = PLAY_SESSION_KEY.format(pk=model_file.pk)
    run = request.session.get(session_key)
    try:
        if request.method == "GET":
            if run is None:
                return JsonResponse({"log": [], "waiting": [], "finished": True, "variables": {}})
            return JsonResponse(sandbox.replay(run).as_json())
        payload = _body(request)
        variables = payload.get("variables", {})
        if not isinstance(variables, dict):
            raise _BadBody("'variables' must be a JSON object.")
        sandbox.check_variables(variables)
        if action == "start":
            run = sandbox.new_run(model_file=model_file, variables=variables)
        elif action == "complete":
            if run is None:
                raise _BadBody("Start a run first.")
            waiting = {w["key"]: w for w in sandbox.replay(run).waiting}
            item = waiting.get(str(payload.get("key")))
            if item is None or item["kind"] == "timer":
                raise _BadBody("Nothing with that key is waiting.")
            run = sandbox.add_step(run, [item["kind"], item["key"], variables])
        elif action == "advance":
            if run is None:
                raise _BadBody("Start a run first.")
            minutes = payload.get("minutes", 60)
            if not isinstance(minutes, int | float) or minutes <= 0:
                raise _BadBody("'minutes' must be a positive number.")
            run = sandbox.add_step(run, ["advance", minutes])
        else:
            return problem(404, "Unknown action.", instance=request.path)
        view = sandbox.replay(run)
    except sandbox.PlayProblem as exc:
        return problem(400, str(exc), instance=request.path)
    request.session[session_key] = run
    return JsonResponse(view.as_json())
