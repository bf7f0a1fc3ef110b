"""Tasklist pages and their JSON endpoints. Thin: parse input, call one service or selector, render.

Action endpoints answer JSON (problem+json on errors) when the request is JSON, and redirect back with a
message for plain HTML form posts, so claiming and assigning also work without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bizdevops.problems import problem
from forms import services as form_services
from tasklist import importer, selectors, services
from tasklist.selectors import Task, TaskFilter

FILTER_PARAMS = (
    "state",
    "assignment",
    "assignee",
    "group",
    "process",
    "due",
    "search",
    "search_variables",
    "sort",
)


# --- helpers -----------------------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type != "application/json":
        return {key: request.POST.get(key) for key in request.POST}
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error(request: HttpRequest, exc: services.TaskError, back: str) -> HttpResponse:
    if _wants_json(request):
        extra: dict[str, Any] = {}
        if isinstance(exc, services.SubmissionInvalid):
            extra["fieldErrors"] = exc.errors
        return problem(exc.status, exc.message, instance=request.path, **extra)
    if exc.status == 404:
        return problem(404, exc.message, instance=request.path)
    messages.error(request, exc.message)
    return redirect(back)


def _task_url(key: int) -> str:
    return reverse("tasklist:task", args=[key])


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _import_job_tasks() -> None:
    """Bring job-based user tasks up to date before reading or acting on tasks (see tasklist.importer)."""
    importer.import_job_tasks()


def task_json(task: Task, user: Any, names: dict[int, str] | None = None) -> dict[str, Any]:
    """A task as the list and the detail page show it (keys are strings: they exceed JS's safe integers)."""
    now = timezone.now()
    if names is None:
        names = selectors.process_names([task])
    return {
        "key": str(task.key),
        "name": task.name or task.element_id,
        "processName": task.process_name or names.get(task.process_definition_key) or task.bpmn_process_id,
        "bpmnProcessId": task.bpmn_process_id,
        "processInstanceKey": str(task.process_instance_key),
        "elementId": task.element_id,
        "state": task.state,
        "assignee": task.assignee,
        "assignedToMe": task.assignee == user.get_username(),
        "candidateGroups": list(task.candidate_groups or []),
        "candidateUsers": list(task.candidate_users or []),
        "creationDate": _iso(task.creation_date),
        "completionDate": _iso(task.completion_date),
        "dueDate": _iso(task.due_date),
        "followUpDate": _iso(task.follow_up_date),
        "overdue": bool(task.due_date and task.due_date < now and task.state == "CREATED"),
        "priority": task.priority,
        # as Camunda's Tasklist API names the two kinds
        "implementation": "JOB_WORKER" if selectors.is_job_based(task) else "ZEEBE_USER_TASK",
        "url": _task_url(task.key),
    }


def _filter_from(request: HttpRequest) -> tuple[selectors.ViewSpec, TaskFilter, bool]:
    """The current view and the filter in effect: the view's, overridden by any filter parameter given."""
    user = request.user
    slug = request.GET.get("view") or "mine"
    view = selectors.get_view(user, slug) or selectors.get_view(user, "mine")
    assert view is not None  # noqa: S101 - "mine" always exists
    overrides = {key: request.GET.get(key) for key in FILTER_PARAMS if request.GET.get(key) is not None}
    if "search_variables" in request.GET:
        overrides["search_variables"] = request.GET.get("search_variables", "")
    if not overrides:
        return view, view.filter, False
    merged = {**view.filter.to_dict(), **overrides}
    task_filter = TaskFilter.from_dict(merged)
    return view, task_filter, task_filter != view.filter


def _list_payload(request: HttpRequest) -> dict[str, Any]:
    view, task_filter, modified = _filter_from(request)
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    _import_job_tasks()
    rows = selectors.tasks_page(request.user, task_filter, page)
    has_more = len(rows) > selectors.PAGE_SIZE
    views = selectors.list_views(request.user)
    names = selectors.process_names(rows)
    return {
        "view": {"slug": view.slug, "name": view.name, "pk": view.pk, "modified": modified},
        "filter": task_filter.to_dict(),
        "tasks": [task_json(task, request.user, names) for task in rows[: selectors.PAGE_SIZE]],
        "page": page,
        "hasMore": has_more,
        "views": [{"slug": v.slug, "name": v.name, "count": v.count, "pk": v.pk} for v in views],
    }


# --- the list ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    payload = _list_payload(request)
    sort = payload["filter"]["sort"]
    query = {k: v for k, v in request.GET.items() if k not in ("sort", "page")}
    columns = []
    for column, label in (
        ("name", _("Task")),
        ("process", _("Process")),
        ("created", _("Created")),
        ("due", _("Due date")),
        ("follow_up", _("Follow-up date")),
        ("priority", _("Priority")),
        ("assignee", _("Assignee")),
    ):
        current = sort.lstrip("-") == column
        descending = sort.startswith("-")
        next_sort = column if current and descending else f"-{column}" if current else column
        columns.append(
            {
                "key": column,
                "label": label,
                "href": "?" + urlencode({**query, "sort": next_sort}),
                "aria_sort": ("descending" if descending else "ascending") if current else "none",
            }
        )
    context = {
        "section": "tasklist",
        "payload": payload,
        "columns": columns,
        "groups": sorted(set(selectors.group_names(request.user))),
        "processes": selectors.task_process_names(request.user),
        "startable": selectors.list_startable_processes(request.user),
        "client": {
            "listUrl": reverse("tasklist:api-list"),
            "viewsUrl": reverse("tasklist:api-views"),
            "socketPath": "/ws/tasks/",
            "query": request.GET.urlencode(),
            "filter": payload["filter"],
            "view": payload["view"],
        },
    }
    return render(request, "tasklist/index.html", context)


@login_required
@require_GET
def api_list(request: HttpRequest) -> HttpResponse:
    return JsonResponse(_list_payload(request))


@login_required
@require_http_methods(["GET", "POST"])
def api_views(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        _import_job_tasks()
        views = selectors.list_views(request.user)
        return JsonResponse({"views": [{"slug": v.slug, "name": v.name, "count": v.count} for v in views]})
    body = _json_body(request)
    filters = body.get("filters")
    if not isinstance(filters, dict):
        filters = {key: body.get(key) for key in FILTER_PARAMS if body.get(key) is not None}
    try:
        view = services.save_view(user=request.user, name=str(body.get("name") or ""), filters=filters)
    except services.TaskError as exc:
        return _error(request, exc, reverse("tasklist:index"))
    if _wants_json(request):
        return JsonResponse({"slug": f"view-{view.pk}", "name": view.name, "pk": view.pk}, status=201)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(f"{reverse('tasklist:index')}?view=view-{view.pk}")


@login_required
@require_http_methods(["POST", "DELETE"])
def api_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.delete_view(user=request.user, pk=pk)
    except services.TaskError as exc:
        return _error(request, exc, reverse("tasklist:index"))
    if _wants_json(request) or request.method == "DELETE":
        return HttpResponse(status=204)
    messages.success(request, _("View deleted."))
    return redirect(reverse("tasklist:index"))


# --- one task ----------------------------------------------------------------------------------------------


def _detail(request: HttpRequest, task: Task) -> dict[str, Any]:
    user = request.user
    schema = selectors.task_form_schema(task)
    variables = services.prefill(task, schema)
    draft = selectors.get_draft(user, task.key) if task.state == "CREATED" else None
    username = user.get_username()
    is_open = task.state == "CREATED"
    may_assign = selectors.may_assign_others(user)
    return {
        "task": task_json(task, user),
        "schema": schema,
        "variables": variables,
        "draft": draft.data if draft else None,
        "draftSavedAt": _iso(draft.updated_at) if draft else None,
        "permissions": {
            "claim": is_open
            and task.assignee != username
            and ((not task.assignee and selectors.is_candidate(user, task)) or may_assign),
            "unclaim": is_open and bool(task.assignee) and (task.assignee == username or may_assign),
            "assign": is_open and may_assign,
            "complete": is_open and task.assignee == username,
            "followUp": is_open,
        },
        "urls": {
            "detail": reverse("tasklist:api-task", args=[task.key]),
            "claim": reverse("tasklist:claim", args=[task.key]),
            "unclaim": reverse("tasklist:unclaim", args=[task.key]),
            "assign": reverse("tasklist:assign", args=[task.key]),
            "followUp": reverse("tasklist:follow-up", args=[task.key]),
            "complete": reverse("tasklist:complete", args=[task.key]),
            "draft": reverse("tasklist:draft", args=[task.key]),
            "comments": reverse("tasklist:comments", args=[task.key]),
            "upload": reverse("tasklist:upload"),
            "list": reverse("tasklist:index"),
        },
    }


@login_required
@require_GET
def task_page(request: HttpRequest, key: int) -> HttpResponse:
    _import_job_tasks()
    task = selectors.get_visible_task(request.user, key)
    if task is None:
        return render(request, "tasklist/not_found.html", {"section": "tasklist"}, status=404)
    detail = _detail(request, task)
    detail["diagramXml"] = selectors.task_process_xml(task)
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("username")
        .values_list("username", flat=True)
        if detail["permissions"]["assign"]
        else []
    )
    return render(
        request,
        "tasklist/task.html",
        {
            "section": "tasklist",
            "task": task,
            "detail": detail,
            "history": selectors.task_history(task),
            "documents": selectors.task_documents(task),
            "comments": selectors.task_comments(task),
            "assignable_users": list(users[:500]),
        },
    )


@login_required
@require_GET
def api_task(request: HttpRequest, key: int) -> HttpResponse:
    _import_job_tasks()
    task = selectors.get_visible_task(request.user, key)
    if task is None:
        return problem(404, _("Task not found."), instance=request.path)
    return JsonResponse(_detail(request, task))


def _action(request: HttpRequest, key: int, run: Any, success: str) -> HttpResponse:
    _import_job_tasks()
    try:
        task = run()
    except services.TaskError as exc:
        return _error(request, exc, _task_url(key))
    if _wants_json(request):
        return JsonResponse({"task": task_json(task, request.user)})
    messages.success(request, success)
    return redirect(_task_url(key))


@login_required
@require_POST
def claim(request: HttpRequest, key: int) -> HttpResponse:
    return _action(
        request, key, lambda: services.claim_task(user=request.user, task_key=key), _("Task assigned to you.")
    )


@login_required
@require_POST
def unclaim(request: HttpRequest, key: int) -> HttpResponse:
    return _action(
        request, key, lambda: services.unclaim_task(user=request.user, task_key=key), _("Task unassigned.")
    )


@login_required
@require_POST
def assign(request: HttpRequest, key: int) -> HttpResponse:
    assignee = str(_json_body(request).get("assignee") or "").strip()
    return _action(
        request,
        key,
        lambda: services.assign_task(user=request.user, task_key=key, assignee=assignee),
        _("Task assigned to %(user)s.") % {"user": assignee},
    )


def _parse_when(text: str) -> dt.datetime | None:
    if not text:
        return None
    value = parse_datetime(text)
    if value is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(text)
        value = dt.datetime.combine(day, dt.time(9, 0))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


@login_required
@require_POST
def follow_up(request: HttpRequest, key: int) -> HttpResponse:
    text = str(_json_body(request).get("followUpDate") or "").strip()
    try:
        when = _parse_when(text)
    except ValueError:
        return _error(request, services.TaskError(_("Enter a valid date.")), _task_url(key))
    return _action(
        request,
        key,
        lambda: services.set_follow_up_date(user=request.user, task_key=key, follow_up=when),
        _("Follow-up date saved."),
    )


@login_required
@require_POST
def complete(request: HttpRequest, key: int) -> HttpResponse:
    body = _json_body(request)
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    _import_job_tasks()
    try:
        variables = services.complete_task(user=request.user, task_key=key, data=data)
    except services.TaskError as exc:
        return _error(request, exc, _task_url(key))
    if _wants_json(request):
        return JsonResponse({"completed": True, "variables": variables, "next": reverse("tasklist:index")})
    messages.success(request, _("Task completed."))
    return redirect(reverse("tasklist:index"))


@login_required
@require_http_methods(["PUT", "POST", "DELETE"])
def draft(request: HttpRequest, key: int) -> HttpResponse:
    if request.method == "DELETE":
        services.discard_draft(user=request.user, task_key=key)
        return HttpResponse(status=204)
    _import_job_tasks()
    body = _json_body(request)
    data = body.get("data")
    try:
        saved = services.save_draft(
            user=request.user, task_key=key, data=data if isinstance(data, dict) else {}
        )
    except services.TaskError as exc:
        return problem(exc.status, exc.message, instance=request.path)
    return JsonResponse({"savedAt": _iso(saved.updated_at)})


@login_required
@require_POST
def comments(request: HttpRequest, key: int) -> HttpResponse:
    body = str(_json_body(request).get("body") or "")
    _import_job_tasks()
    try:
        comment = services.add_comment(user=request.user, task_key=key, body=body)
    except services.TaskError as exc:
        return _error(request, exc, _task_url(key))
    if _wants_json(request):
        author = comment.author
        return JsonResponse(
            {
                "author": author.get_full_name() or author.get_username(),
                "body": comment.body,
                "createdAt": _iso(comment.created_at),
            },
            status=201,
        )
    return redirect(_task_url(key) + "#comments")


@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    upload_file = request.FILES.get("file")
    if upload_file is None:
        return problem(400, _("No file was sent."), instance=request.path)
    try:
        stored = form_services.store_upload(
            user=request.user, upload=upload_file, accept=str(request.POST.get("accept") or "")
        )
    except form_services.UploadRejected as exc:
        return problem(400, exc.message, instance=request.path)
    return JsonResponse(
        {
            "documentId": str(stored.pk),
            "fileName": stored.file_name,
            "contentType": stored.content_type,
            "size": stored.size,
        },
        status=201,
    )


@login_required
@require_GET
def document(request: HttpRequest, document_id: str) -> HttpResponse:
    """Download a file uploaded through a form, if the user may see a task of its process."""
    from django.http import FileResponse

    from forms.selectors import get_stored_file

    stored = get_stored_file(document_id=document_id)
    if stored is None or not selectors.may_read_document(request.user, str(stored.pk), stored.owner_id):
        return problem(404, _("Document not found."), instance=request.path)
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.file_name,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- starting processes ------------------------------------------------------------------------------------


@login_required
@require_GET
def start_page(request: HttpRequest, process_id: str) -> HttpResponse:
    startable = selectors.get_startable_process(request.user, process_id)
    if startable is None:
        return render(request, "tasklist/not_found.html", {"section": "tasklist"}, status=404)
    client = {
        "schema": startable.form_schema,
        "startUrl": reverse("tasklist:api-start", args=[process_id]),
        "uploadUrl": reverse("tasklist:upload"),
        "listUrl": reverse("tasklist:index"),
    }
    return render(
        request, "tasklist/start.html", {"section": "tasklist", "startable": startable, "client": client}
    )


@login_required
@require_POST
def api_start(request: HttpRequest, process_id: str) -> HttpResponse:
    body = _json_body(request)
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    try:
        instance_key = services.start_process(user=request.user, bpmn_process_id=process_id, data=data)
    except services.TaskError as exc:
        return _error(request, exc, reverse("tasklist:index"))
    if _wants_json(request):
        return JsonResponse(
            {"processInstanceKey": str(instance_key), "next": reverse("tasklist:index")}, status=201
        )
    messages.success(request, _("Process started."))
    return redirect(reverse("tasklist:index"))
