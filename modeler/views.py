"""Modeler pages and the JSON endpoints the editor talks to. Thin: validate, call a service, answer."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bizdevops.problems import problem
from modeler import selectors, services


@login_required
def index(request: HttpRequest) -> HttpResponse:
    files = selectors.list_files(user=request.user)
    return render(request, "modeler/index.html", {"files": files})


@login_required
@require_POST
def create_diagram(request: HttpRequest) -> HttpResponse:
    name = (request.POST.get("name") or "").strip()[:200]
    project = services.get_or_create_personal_project(user=request.user)
    model_file = services.create_bpmn_file(project=project, name=name, user=request.user)
    messages.success(request, _("Diagram created."))
    return redirect("modeler:editor", pk=model_file.pk)


@login_required
def editor(request: HttpRequest, pk: int) -> HttpResponse:
    model_file = selectors.get_file(user=request.user, pk=pk)
    if model_file is None:
        raise Http404
    can_edit = selectors.can_edit(user=request.user, model_file=model_file)
    editor_data = {
        "contentUrl": reverse("modeler:file-content", args=[model_file.pk]),
        "canEdit": can_edit,
        "messages": {
            "saved": _("Saved"),
            "saving": _("Saving…"),
            "unsaved": _("Unsaved changes"),
            "failed": _("Not saved:"),
            "loadFailed": _("The diagram could not be opened:"),
        },
    }
    return render(
        request,
        "modeler/editor.html",
        {"file": model_file, "can_edit": can_edit, "editor_data": editor_data},
    )


@require_http_methods(["GET", "PUT"])
def file_content(request: HttpRequest, pk: int) -> HttpResponse:
    """GET the current XML and revision; PUT {"content", "revision"} to save."""
    if not request.user.is_authenticated:
        return problem(401, "Log in first.", instance=request.path)
    model_file = selectors.get_file(user=request.user, pk=pk)
    if model_file is None:
        return problem(404, f"No file with id {pk}.", instance=request.path)
    if request.method == "GET":
        return JsonResponse(
            {
                "id": model_file.pk,
                "name": model_file.name,
                "kind": model_file.kind,
                "content": model_file.content,
                "revision": model_file.revision,
            }
        )
    if not selectors.can_edit(user=request.user, model_file=model_file):
        return problem(403, "You may read this file but not change it.", instance=request.path)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return problem(400, "The request body is not valid JSON.", instance=request.path)
    if not isinstance(payload, dict) or not isinstance(payload.get("content"), str):
        return problem(400, "Send a JSON object with the diagram XML in 'content'.", instance=request.path)
    revision = payload.get("revision")
    if revision is not None and not isinstance(revision, int):
        return problem(400, "'revision' must be an integer.", instance=request.path)
    try:
        saved = services.save_file_content(
            model_file=model_file, content=payload["content"], user=request.user, base_revision=revision
        )
    except services.FileRejected as exc:
        return problem(400, str(exc), instance=request.path)
    except services.FileConflict as exc:
        return problem(409, str(exc), instance=request.path, currentRevision=exc.current_revision)
    return JsonResponse(
        {"id": saved.pk, "revision": saved.revision, "updatedAt": saved.updated_at.isoformat()}
    )
