"""Writes of the Tasklist. Each checks the user's right on the task, then calls one engine service.

Job-based user tasks (see `tasklist.importer`) follow the same rules; their assignment and follow-up date
live in the Tasklist's own row (as in Camunda's Tasklist), and completing one completes its job.

Errors: TaskNotFound (the task does not exist or the user may not see it: 404, no existence oracle),
TaskForbidden (visible but not allowed: 403), TaskConflict (state changed meanwhile, e.g. completed twice:
409), SubmissionInvalid (field-level errors: 400). Whatever is raised, nothing has changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bizdevops.engine.state.models import UserTask, UserTaskState
from forms.schema import referenced_variables
from forms.selectors import file_resolver_for
from forms.services import attach_documents
from forms.validation import form_field_names, validate_submission
from tasklist import live, selectors
from tasklist.models import (
    JobTask,
    JobTaskCandidate,
    JobTaskState,
    SavedView,
    TaskComment,
    TaskDraft,
    TaskEvent,
)
from tasklist.selectors import Task

MAX_DRAFT_BYTES = 256 * 1024
MAX_VIEWS = 50


class TaskError(Exception):
    """Base of the Tasklist's refusals; `message` is safe to show."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TaskNotFound(TaskError):
    status = 404


class TaskForbidden(TaskError):
    status = 403


class TaskConflict(TaskError):
    status = 409


@dataclass
class SubmissionInvalid(TaskError):
    """The form data broke the schema's rules; `errors` maps field paths to messages."""

    errors: dict[str, str] = field(default_factory=dict)
    status = 400

    def __post_init__(self) -> None:
        super().__init__(_("Please correct the marked fields."))


def _engine() -> Any:
    from bizdevops.engine import services

    return services


def _engine_errors() -> tuple[type[Exception], type[Exception], type[Exception]]:
    from bizdevops.engine.core.errors import Conflict, InvalidArgument, NotFound

    return NotFound, Conflict, InvalidArgument


def _call(fn_name: str, **kwargs: Any) -> Any:
    """Call an engine service and translate its typed errors."""
    not_found, conflict, invalid = _engine_errors()
    try:
        return getattr(_engine(), fn_name)(**kwargs)
    except not_found as exc:
        raise TaskNotFound(getattr(exc, "message", str(exc))) from exc
    except conflict as exc:
        raise TaskConflict(getattr(exc, "message", str(exc))) from exc
    except invalid as exc:
        raise TaskError(getattr(exc, "message", str(exc))) from exc


def _task_for(user: AbstractBaseUser, key: int) -> Task:
    task = selectors.get_visible_task(user, key)
    if task is None:
        raise TaskNotFound(_("Task not found."))
    if isinstance(task, JobTask) and transaction.get_connection().in_atomic_block:
        # The Tasklist's own row is the truth of its assignment: a command locks it, so two claims (or a
        # claim and a completion) serialize.
        return JobTask.objects.select_for_update().get(key=task.key)
    return task


def _set_assignee(task: Task, assignee: str, *, allow_override: bool) -> None:
    if isinstance(task, JobTask):
        task.assignee = assignee
        task.save(update_fields=["assignee"])
    elif assignee:
        _call("assign_user_task", user_task_key=task.key, assignee=assignee, allow_override=allow_override)
    else:
        _call("unassign_user_task", user_task_key=task.key)


def _complete_job_task(task: JobTask, user: AbstractBaseUser, variables: dict[str, Any]) -> None:
    """Complete the task's job with `variables` (one engine command), then close the Tasklist's row."""
    try:
        _call("complete_job", job_key=task.key, variables=variables)
    except (TaskNotFound, TaskConflict) as exc:
        # A worker completed the job first, or its instance was canceled: the engine refused, nothing changed.
        raise TaskConflict(
            _("This task was already completed or canceled elsewhere; your submission was not applied.")
        ) from exc
    task.state, task.completed_by, task.completion_date = JobTaskState.COMPLETED, user.get_username(), now()
    task.save(update_fields=["state", "completed_by", "completion_date"])
    JobTaskCandidate.objects.filter(task_id=task.key).delete()


def _open(task: Task) -> None:
    if task.state != UserTaskState.CREATED:
        raise TaskConflict(_("This task is no longer open."))


def _record(task: Task, actor: AbstractBaseUser, action: str, detail: str = "") -> None:
    TaskEvent.objects.create(task_key=task.key, actor=actor, action=action, detail=detail[:300])


def _reload(task: Task) -> Task:
    if isinstance(task, JobTask):
        return JobTask.objects.get(key=task.key)
    return UserTask.objects.get(key=task.key)


@transaction.atomic
def claim_task(*, user: AbstractBaseUser, task_key: int) -> UserTask:
    """Assign an open task to oneself; a candidate only, unless a Manager/Admin takes it over."""
    task = _task_for(user, task_key)
    _open(task)
    username = user.get_username()
    if task.assignee == username:
        return task
    override = selectors.may_assign_others(user)
    if not (selectors.is_candidate(user, task) or override):
        raise TaskForbidden(_("You are not a candidate for this task."))
    if task.assignee and not override:
        raise TaskConflict(_("This task is already assigned to %(user)s.") % {"user": task.assignee})
    previous = task.assignee
    _set_assignee(task, username, allow_override=override)
    _record(task, user, TaskEvent.Action.CLAIMED)
    fresh = _reload(task)
    live.task_changed_by_tasklist(fresh, "ASSIGNED", previous)
    return fresh


@transaction.atomic
def unclaim_task(*, user: AbstractBaseUser, task_key: int) -> UserTask:
    """Give a task back to its candidates; its assignee or a Manager/Admin may do so."""
    task = _task_for(user, task_key)
    _open(task)
    if not task.assignee:
        return task
    if task.assignee != user.get_username() and not selectors.may_assign_others(user):
        raise TaskForbidden(_("Only the assignee or a manager can unassign this task."))
    previous = task.assignee
    _set_assignee(task, "", allow_override=True)
    _record(task, user, TaskEvent.Action.UNCLAIMED, previous)
    fresh = _reload(task)
    live.task_changed_by_tasklist(fresh, "ASSIGNED", previous)
    return fresh


@transaction.atomic
def assign_task(*, user: AbstractBaseUser, task_key: int, assignee: str) -> UserTask:
    """Assign a task to someone else (Managers and Admins only); the assignee must be an active user."""
    task = _task_for(user, task_key)
    _open(task)
    if not selectors.may_assign_others(user):
        raise TaskForbidden(_("Only managers and admins can assign tasks to others."))
    target = get_user_model().objects.filter(username=assignee, is_active=True).first()
    if target is None:
        raise TaskError(_("There is no active user %(user)s.") % {"user": assignee})
    previous = task.assignee
    _set_assignee(task, target.get_username(), allow_override=True)
    _record(task, user, TaskEvent.Action.ASSIGNED, target.get_username())
    fresh = _reload(task)
    live.task_changed_by_tasklist(fresh, "ASSIGNED", previous)
    return fresh


@transaction.atomic
def set_follow_up_date(*, user: AbstractBaseUser, task_key: int, follow_up: dt.datetime | None) -> UserTask:
    """Set or clear the follow-up date; the assignee, a candidate or a Manager/Admin may."""
    task = _task_for(user, task_key)
    _open(task)
    if not (
        task.assignee == user.get_username()
        or selectors.is_candidate(user, task)
        or selectors.may_assign_others(user)
    ):
        raise TaskForbidden(_("You cannot change this task."))
    text = follow_up.isoformat() if follow_up else None
    if isinstance(task, JobTask):
        task.follow_up_date, task.follow_up_date_text = follow_up, text or ""
        task.save(update_fields=["follow_up_date", "follow_up_date_text"])
    else:
        _call("update_user_task", user_task_key=task.key, changeset={"followUpDate": text})
    _record(task, user, TaskEvent.Action.FOLLOW_UP, text or "")
    fresh = _reload(task)
    live.task_changed_by_tasklist(fresh, "UPDATED")
    return fresh


def prefill(task: Task, schema: dict[str, Any] | None) -> dict[str, Any]:
    """The process variables the form refers to (what the form opens with)."""
    if not schema:
        return {}
    return selectors.task_variables(task, referenced_variables(schema))


@transaction.atomic
def complete_task(*, user: AbstractBaseUser, task_key: int, data: dict[str, Any]) -> dict[str, Any]:
    """Validate the submission against the task's form, then complete the task with the form's fields only.
    Returns the variables passed to the engine."""
    task = _task_for(user, task_key)
    # The engine re-checks the state under its instance lock: a racing second completion is a Conflict.
    _open(task)
    if task.assignee != user.get_username():
        if task.assignee:
            raise TaskForbidden(_("This task is assigned to %(user)s.") % {"user": task.assignee})
        raise TaskForbidden(_("Assign the task to yourself before completing it."))
    schema = selectors.task_form_schema(task)
    if schema is None:
        variables: dict[str, Any] = {}
    else:
        cleaned, errors = validate_submission(
            schema, data, variables=prefill(task, schema), resolve_file=file_resolver_for(user)
        )
        if errors:
            raise SubmissionInvalid(errors=errors)
        variables = cleaned
    if isinstance(task, JobTask):
        _complete_job_task(task, user, variables)
    else:
        _call("complete_user_task", user_task_key=task.key, variables=variables, action="complete")
    attach_documents(user=user, variables=variables, process_instance_key=task.process_instance_key)
    TaskDraft.objects.filter(task_key=task.key).delete()
    _record(task, user, TaskEvent.Action.COMPLETED)
    live.task_changed_by_tasklist(_reload(task), "COMPLETED")
    return variables


def check_form_variables(*, user: AbstractBaseUser, task: Task, variables: dict[str, Any]) -> dict[str, Any]:
    """The variables a person may complete `task` with from outside the Tasklist (the REST API): with a form,
    the Tasklist's own server-side validation applies, and a variable that is not a field of the form is
    refused rather than silently dropped; without a form, the variables as given. Raises SubmissionInvalid."""
    schema = selectors.task_form_schema(task)
    if schema is None:
        return variables
    cleaned, errors = validate_submission(
        schema, variables, variables=prefill(task, schema), resolve_file=file_resolver_for(user)
    )
    for name in sorted(set(variables) - form_field_names(schema)):
        errors[name] = _("This is not a field of the task's form.")
    if errors:
        raise SubmissionInvalid(errors=errors)
    return cleaned


def save_draft(*, user: AbstractBaseUser, task_key: int, data: dict[str, Any]) -> TaskDraft:
    """Keep a half-filled form; only someone who may see the open task can save one."""
    import json

    task = _task_for(user, task_key)
    _open(task)
    if not isinstance(data, dict) or len(json.dumps(data)) > MAX_DRAFT_BYTES:
        raise TaskError(_("The draft is too large."))
    draft, _created = TaskDraft.objects.update_or_create(
        user=user, task_key=task.key, defaults={"data": data}
    )
    return draft


def discard_draft(*, user: AbstractBaseUser, task_key: int) -> None:
    TaskDraft.objects.filter(user=user, task_key=task_key).delete()


@transaction.atomic
def add_comment(*, user: AbstractBaseUser, task_key: int, body: str) -> TaskComment:
    """Comment on a task anyone who may see it can read."""
    task = _task_for(user, task_key)
    body = body.strip()
    if not body:
        raise TaskError(_("The comment is empty."))
    if len(body) > 5000:
        raise TaskError(_("The comment is too long."))
    comment = TaskComment.objects.create(
        task_key=task.key, process_instance_key=task.process_instance_key, author=user, body=body
    )
    live.task_changed_by_tasklist(task, "COMMENTED")
    return comment


@transaction.atomic
def save_view(
    *, user: AbstractBaseUser, name: str, filters: dict[str, Any], pk: int | None = None
) -> SavedView:
    """Save (or overwrite by name or pk) a named filter for `user`."""
    name = name.strip()[:100]
    if not name:
        raise TaskError(_("Give the view a name."))
    normalized = selectors.TaskFilter.from_dict(filters).to_dict()
    if pk is not None:
        view = SavedView.objects.filter(owner=user, pk=pk).first()
        if view is None:
            raise TaskNotFound(_("View not found."))
        if SavedView.objects.filter(owner=user, name=name).exclude(pk=pk).exists():
            raise TaskConflict(_("You already have a view with this name."))
        view.name, view.filters = name, normalized
        view.save(update_fields=["name", "filters", "updated_at"])
        return view
    existing = SavedView.objects.filter(owner=user, name=name).first()
    if existing is not None:
        existing.filters = normalized
        existing.save(update_fields=["filters", "updated_at"])
        return existing
    if SavedView.objects.filter(owner=user).count() >= MAX_VIEWS:
        raise TaskError(_("You have too many saved views."))
    position = SavedView.objects.filter(owner=user).count()
    return SavedView.objects.create(owner=user, name=name, filters=normalized, position=position)


def delete_view(*, user: AbstractBaseUser, pk: int) -> None:
    deleted, _rows = SavedView.objects.filter(owner=user, pk=pk).delete()
    if not deleted:
        raise TaskNotFound(_("View not found."))


@transaction.atomic
def start_process(*, user: AbstractBaseUser, bpmn_process_id: str, data: dict[str, Any]) -> int:
    """Start the latest version of a process from its start form; returns the new instance key."""
    startable = selectors.get_startable_process(user, bpmn_process_id)
    if startable is None:
        raise TaskNotFound(_("Process not found."))
    variables: dict[str, Any] = {}
    if startable.form_schema is not None:
        cleaned, errors = validate_submission(
            startable.form_schema, data, variables={}, resolve_file=file_resolver_for(user)
        )
        if errors:
            raise SubmissionInvalid(errors=errors)
        variables = cleaned
    created = _call(
        "start_process_instance",
        process_definition_key=startable.definition_key,
        variables=variables,
        user=user,
    )
    attach_documents(user=user, variables=variables, process_instance_key=int(created.process_instance_key))
    return int(created.process_instance_key)


def now() -> dt.datetime:
    return timezone.now()
