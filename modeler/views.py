"""Modeler pages: projects, folders and files (server-rendered forms), and the editors' shells.

Thin: resolve the object with its permission check, call one service, redirect or render.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from modeler import selectors, services
from modeler.models import Folder, ModelFile, Project
from modeler.permissions import Denied, file_for, folder_for, may_deploy, project_for, version_for


def guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn a permission denial into 404/403 pages and a refused input into a message."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Denied as exc:
            if exc.status == 404:
                raise Http404 from None
            return HttpResponseForbidden(exc.message)

    return login_required(wrapper)


def _back_to(project: Project, folder: Folder | None) -> HttpResponse:
    url = reverse("modeler:project", args=[project.pk])
    return redirect(f"{url}?folder={folder.pk}" if folder else url)


def _folder_from(request: HttpRequest, project: Project, field: str = "folder") -> Folder | None:
    raw = request.POST.get(field) or request.GET.get(field) or ""
    if not raw.isdigit():
        return None
    folder = project.folders.filter(pk=int(raw)).first()
    if folder is None:
        raise Denied(404, "Not found.")
    return folder


@login_required
def index(request: HttpRequest) -> HttpResponse:
    projects = selectors.list_projects(user=request.user)
    files = selectors.list_files(user=request.user)[:30]
    return render(
        request,
        "modeler/index.html",
        {
            "projects": projects,
            "files": files,
            "notifications": selectors.list_notifications(user=request.user)[:10],
            "unread": selectors.unread_notification_count(user=request.user),
        },
    )


@login_required
@require_POST
def create_diagram(request: HttpRequest) -> HttpResponse:
    """Quick start: a new diagram in the user's personal project."""
    name = (request.POST.get("name") or "").strip()[:200]
    project = services.get_or_create_personal_project(user=request.user)
    model_file = services.create_bpmn_file(project=project, name=name, user=request.user)
    messages.success(request, _("Diagram created."))
    return redirect("modeler:editor", pk=model_file.pk)


@login_required
@require_POST
def create_project(request: HttpRequest) -> HttpResponse:
    project = services.create_project(name=request.POST.get("name") or "", owner=request.user)
    messages.success(request, _("Project created."))
    return redirect("modeler:project", pk=project.pk)


@guarded
def project_page(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_for(request.user, pk)
    folder = _folder_from(request, project)
    role = selectors.user_role(user=request.user, project=project)
    return render(
        request,
        "modeler/project.html",
        {
            "project": project,
            "folder": folder,
            "path": selectors.folder_path(folder),
            "subfolders": selectors.list_subfolders(project=project, folder=folder),
            "files": selectors.list_folder_files(project=project, folder=folder),
            "folder_choices": selectors.folder_choices(project=project),
            "role": role,
            "can_edit": role in ("owner", "editor"),
            "can_manage": role == "owner",
            "kinds": ModelFile.Kind.choices,
        },
    )


@guarded
@require_POST
def create_file(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_for(request.user, pk, "edit_project")
    folder = _folder_from(request, project)
    kind = request.POST.get("kind", "bpmn")
    if kind not in ModelFile.Kind.values:
        messages.error(request, _("Unknown file type."))
        return _back_to(project, folder)
    model_file = services.create_file(
        project=project, folder=folder, name=request.POST.get("name") or "", kind=kind, user=request.user
    )
    messages.success(request, _("File created."))
    return redirect("modeler:editor", pk=model_file.pk)


@guarded
@require_POST
def upload_file(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_for(request.user, pk, "edit_project")
    folder = _folder_from(request, project)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, _("Choose a file to upload."))
        return _back_to(project, folder)
    if uploaded.size and uploaded.size > services.MAX_UPLOAD_BYTES:
        messages.error(request, _("The file is too large."))
        return _back_to(project, folder)
    try:
        services.upload_file(
            project=project,
            folder=folder,
            filename=uploaded.name or "",
            data=uploaded.read(services.MAX_UPLOAD_BYTES + 1),
            user=request.user,
        )
    except services.FileRejected as exc:
        messages.error(request, _("Upload refused: %(reason)s") % {"reason": exc.message})
    else:
        messages.success(request, _("File uploaded."))
    return _back_to(project, folder)


@guarded
@require_POST
def create_folder(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_for(request.user, pk, "edit_project")
    parent = _folder_from(request, project, "parent")
    folder = services.create_folder(project=project, parent=parent, name=request.POST.get("name") or "")
    return _back_to(project, folder)


@guarded
@require_POST
def rename_file(request: HttpRequest, pk: int) -> HttpResponse:
    model_file = file_for(request.user, pk, "edit_project")
    services.rename_file(model_file=model_file, name=request.POST.get("name") or "", user=request.user)
    messages.success(request, _("File renamed."))
    return _back_to(model_file.project, model_file.folder)


@guarded
@require_POST
def move_file(request: HttpRequest, pk: int) -> HttpResponse:
    model_file = file_for(request.user, pk, "edit_project")
    target = _folder_from(request, model_file.project, "target")
    services.move_file(model_file=model_file, folder=target, user=request.user)
    messages.success(request, _("File moved."))
    return _back_to(model_file.project, target)


@guarded
@require_POST
def duplicate_file(request: HttpRequest, pk: int) -> HttpResponse:
    model_file = file_for(request.user, pk, "edit_project")
    services.duplicate_file(model_file=model_file, user=request.user)
    messages.success(request, _("File duplicated."))
    return _back_to(model_file.project, model_file.folder)


@guarded
def delete_file(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation, POST deletes."""
    model_file = file_for(request.user, pk, "edit_project")
    if request.method == "POST":
        project, folder = model_file.project, model_file.folder
        services.delete_file(model_file=model_file)
        messages.success(request, _("File deleted."))
        return _back_to(project, folder)
    return render(
        request, "modeler/confirm_delete.html", {"object": model_file, "project": model_file.project}
    )


@guarded
@require_POST
def rename_folder(request: HttpRequest, pk: int) -> HttpResponse:
    folder = folder_for(request.user, pk, "edit_project")
    services.rename_folder(folder=folder, name=request.POST.get("name") or "")
    return _back_to(folder.project, folder)


@guarded
@require_POST
def move_folder(request: HttpRequest, pk: int) -> HttpResponse:
    folder = folder_for(request.user, pk, "edit_project")
    target = _folder_from(request, folder.project, "target")
    try:
        services.move_folder(folder=folder, parent=target)
    except services.InvalidRequest as exc:
        messages.error(request, _(exc.message))
    return _back_to(folder.project, folder.parent)


@guarded
def delete_folder(request: HttpRequest, pk: int) -> HttpResponse:
    folder = folder_for(request.user, pk, "edit_project")
    if request.method == "POST":
        project, parent = folder.project, folder.parent
        services.delete_folder(folder=folder)
        messages.success(request, _("Folder deleted."))
        return _back_to(project, parent)
    return render(
        request,
        "modeler/confirm_delete.html",
        {"object": folder, "project": folder.project, "file_count": folder.files.count()},
    )


@guarded
def download_file(request: HttpRequest, pk: int) -> HttpResponse:
    model_file = file_for(request.user, pk)
    filename = f"{model_file.name}{services.KIND_EXTENSIONS[model_file.kind]}"
    content_type = "application/json" if model_file.kind == ModelFile.Kind.FORM else "application/xml"
    response = HttpResponse(model_file.content.encode("utf-8"), content_type=f"{content_type}; charset=utf-8")
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@guarded
def project_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename, share with users and groups, delete: for the project's owners."""
    project = project_for(request.user, pk, "manage_project")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rename":
                services.rename_project(project=project, name=request.POST.get("name") or "")
                messages.success(request, _("Project renamed."))
            elif action in ("share", "unshare"):
                grantee = selectors.find_grantee(
                    kind=request.POST.get("grantee_kind", "user"),
                    name=(request.POST.get("grantee") or "").strip(),
                )
                if grantee is None:
                    messages.error(request, _("No such user or group."))
                elif action == "share":
                    services.share_project(
                        project=project, grantee=grantee, role=request.POST.get("role", "")
                    )
                    messages.success(request, _("Project shared."))
                else:
                    services.unshare_project(project=project, grantee=grantee)
                    messages.success(request, _("Access removed."))
            elif action == "delete":
                if request.POST.get("confirm_name") != project.name:
                    messages.error(request, _("Type the project's name to delete it."))
                else:
                    services.delete_project(project=project)
                    messages.success(request, _("Project deleted."))
                    return redirect("modeler:index")
        except services.InvalidRequest as exc:
            messages.error(request, _(exc.message))
        return redirect("modeler:project-settings", pk=project.pk)
    return render(
        request,
        "modeler/settings.html",
        {"project": project, "shares": selectors.list_shares(project=project), "roles": services.ROLES},
    )


ENTRIES = {"bpmn": "modeler", "dmn": "dmn", "form": "form-editor"}


def _editor_messages() -> dict[str, str]:
    return {
        "saved": _("Saved"),
        "saving": _("Saving…"),
        "unsaved": _("Unsaved changes"),
        "failed": _("Not saved:"),
        "loadFailed": _("The file could not be opened:"),
        "noProblems": _("No problems"),
        "problems": _("Problems"),
        "error": _("Error"),
        "warning": _("Warning"),
        "server": _("Engine"),
        "detached": _("Detached: the element was deleted"),
        "resolve": _("Resolve"),
        "reopen": _("Reopen"),
        "reply": _("Reply"),
        "resolved": _("Resolved"),
        "diagram": _("Whole diagram"),
        "linkForm": _("Linked form"),
        "linkDecision": _("Called decision"),
        "linkProcess": _("Called process"),
        "choose": _("Choose from this project…"),
        "deployRefused": _("Deployment refused: fix these problems first."),
        "deployed": _("Deployed."),
        "invalidJson": _("Variables must be a JSON object."),
        "started": _("Instance started:"),
        "new": _("new"),
        "changed": _("new version"),
        "unchanged": _("unchanged"),
        "restoreConfirm": _("Restore this version? The current content is kept as a version first."),
        "template": _("Element template"),
        "comments": _("comments"),
        "property": _("Property"),
        "old": _("Old"),
        "new_value": _("New"),
        "added": _("added"),
        "removed": _("removed"),
        "moved": _("moved"),
        "noChanges": _("No differences."),
        "table": _("Table"),
        "literal": _("Literal expression"),
        "complete": _("Complete"),
    }


@guarded
def editor(request: HttpRequest, pk: int) -> HttpResponse:
    model_file = file_for(request.user, pk)
    role = selectors.user_role(user=request.user, project=model_file.project)
    can_edit = role in ("owner", "editor")
    api = "/modeler/api"
    editor_data = {
        "fileId": model_file.pk,
        "projectId": model_file.project_id,
        "kind": model_file.kind,
        "contentUrl": reverse("modeler:file-content", args=[model_file.pk]),
        "apiBase": api,
        "canEdit": can_edit,
        "canComment": role in ("owner", "editor", "commenter"),
        "username": request.user.get_username(),
        "messages": _editor_messages(),
    }
    return render(
        request,
        f"modeler/editor_{model_file.kind}.html" if model_file.kind != "bpmn" else "modeler/editor.html",
        {
            "file": model_file,
            "can_edit": can_edit,
            # Deploying needs the platform's deploy capability too; no button for those the API refuses.
            "can_deploy": can_edit and may_deploy(request.user),
            "role": role,
            "editor_data": editor_data,
            "entry": ENTRIES[model_file.kind],
            "unread": selectors.unread_notification_count(user=request.user),
        },
    )


@guarded
def version_page(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    """A milestone opened read-only."""
    version = version_for(request.user, pk, version_pk)
    can_edit = selectors.can_edit(user=request.user, model_file=version.file)
    data = {
        "fileId": version.file_id,
        "kind": version.file.kind,
        "contentUrl": reverse("modeler:api-version", args=[pk, version_pk]),
        "restoreUrl": reverse("modeler:api-version-restore", args=[pk, version_pk]) if can_edit else "",
        "editorUrl": reverse("modeler:editor", args=[pk]),
        "messages": _editor_messages(),
    }
    return render(request, "modeler/version.html", {"version": version, "file": version.file, "data": data})


@guarded
def diff_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions side by side (a and b are version ids or 'current')."""
    model_file = file_for(request.user, pk)
    versions = list(selectors.list_versions(model_file=model_file))
    a = request.GET.get("a") or (str(versions[0].pk) if versions else "current")
    b = request.GET.get("b") or "current"
    data = {
        "diffUrl": reverse("modeler:api-diff", args=[pk]) + f"?a={a}&b={b}",
        "messages": _editor_messages(),
    }
    return render(
        request,
        "modeler/diff.html",
        {"file": model_file, "versions": versions, "a": a, "b": b, "data": data},
    )
