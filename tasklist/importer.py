"""Imports job-based user tasks from the engine's jobs into the Tasklist's own store (`JobTask`), as Camunda's
Tasklist imports the `io.camunda.zeebe:userTask` jobs Zeebe exports.

A job-based user task is a job whose custom headers carry the task's assignment, schedule and form key
(`io.camunda.zeebe:assignee`, `:candidateGroups` / `:candidateUsers` as JSON arrays, `:dueDate`,
`:followUpDate`, `:formKey`). The import runs before the Tasklist reads (list, task page, actions): it adds
the open jobs it has not seen and closes the tasks whose job finished (completed by a worker, canceled with
its instance). Both queries follow the number of open job-based tasks, not the size of the job table. The
header assignee is the task's initial assignee; claiming later changes only the Tasklist's row.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.dateparse import parse_datetime

from bizdevops.engine.state.models import Job, JobState, ProcessDefinition
from tasklist import live
from tasklist.models import JobTask, JobTaskCandidate, JobTaskState
from tasklist.selectors import job_tasks_exist

JOB_TYPE = "io.camunda.zeebe:userTask"
HEADER = "io.camunda.zeebe:"
EMBEDDED_FORM_PREFIX = "camunda-forms:bpmn:"
# A failed job (an incident) keeps its task open: resolving the incident makes it activatable again.
_FINISHED = {
    JobState.COMPLETED: JobTaskState.COMPLETED,
    JobState.CANCELED: JobTaskState.CANCELED,
    JobState.ERROR_THROWN: JobTaskState.CANCELED,
}
_BATCH = 1000


class _Process:
    """What a job's task needs from its process definition: element names, embedded forms, the name."""

    def __init__(self, name: str, element_names: dict[str, str], forms: dict[str, str]) -> None:
        self.name = name
        self.element_names = element_names
        self.forms = forms


_PROCESSES: dict[int, _Process] = {}


def _process(definition_key: int, bpmn_process_id: str) -> _Process:
    """The parsed definition's facts; definitions are immutable, so cached by key."""
    cached = _PROCESSES.get(definition_key)
    if cached is not None:
        return cached
    from bizdevops.engine.core.parser.bpmn import parse_bpmn

    found = _Process("", {}, {})
    definition = ProcessDefinition.objects.filter(key=definition_key).first()
    if definition is not None:
        try:
            models = parse_bpmn(bytes(definition.resource))
        except Exception:  # noqa: BLE001 - a definition the engine deployed parses; never fail the Tasklist
            models = []
        for model in models:
            if model.id == bpmn_process_id:
                names = {
                    key: node.name for key, node in model.elements.items() if getattr(node, "name", None)
                }
                found = _Process(definition.name or model.name or "", names, dict(model.user_task_forms))
        if not found.name:
            found.name = definition.name or ""
    if len(_PROCESSES) < 10_000:
        _PROCESSES[definition_key] = found
    return found


def _names(text: Any) -> list[str]:
    """A JSON array header (`["a","b"]`) as a list of names; anything else as no names."""
    try:
        value = json.loads(text) if isinstance(text, str) and text else []
    except ValueError:
        return []
    return [str(name) for name in value if str(name)] if isinstance(value, list) else []


def _when(text: str) -> Any:
    try:
        return parse_datetime(text) if text else None
    except ValueError:
        return None


def task_from_job(job: Job) -> tuple[JobTask, list[JobTaskCandidate]]:
    """The Tasklist's task for a `io.camunda.zeebe:userTask` job, and its candidate rows."""
    headers = job.custom_headers if isinstance(job.custom_headers, dict) else {}
    process = _process(job.process_definition_key, job.bpmn_process_id)
    form_key = str(headers.get(HEADER + "formKey") or "")
    embedded_form, form_definition_key = "", None
    if form_key.startswith(EMBEDDED_FORM_PREFIX):
        embedded_form = process.forms.get(form_key.removeprefix(EMBEDDED_FORM_PREFIX), "")
    elif form_key.isdigit():
        # A linked form (zeebe:formDefinition formId) reaches a job as the deployed form's key.
        form_definition_key = int(form_key)
    due, follow_up = (
        str(headers.get(HEADER + "dueDate") or ""),
        str(headers.get(HEADER + "followUpDate") or ""),
    )
    task = JobTask(
        key=job.key,
        element_id=job.element_id,
        name=process.element_names.get(job.element_id, ""),
        assignee=str(headers.get(HEADER + "assignee") or ""),
        candidate_users=_names(headers.get(HEADER + "candidateUsers")),
        candidate_groups=_names(headers.get(HEADER + "candidateGroups")),
        due_date=_when(due),
        follow_up_date=_when(follow_up),
        due_date_text=due[:64],
        follow_up_date_text=follow_up[:64],
        form_key=form_key[:512],
        form_definition_key=form_definition_key,
        embedded_form=embedded_form,
        custom_headers={k: v for k, v in headers.items() if not str(k).startswith(HEADER)},
        element_instance_key=job.element_instance_key,
        process_instance_key=job.process_instance_key,
        process_definition_key=job.process_definition_key,
        process_definition_version=job.process_definition_version,
        bpmn_process_id=job.bpmn_process_id,
        process_name=process.name,
        tenant_id=job.tenant_id,
        creation_date=job.created_at,
    )
    candidates = [
        JobTaskCandidate(task_id=job.key, kind=JobTaskCandidate.KIND_USER, name=name[:256])
        for name in dict.fromkeys(task.candidate_users)
    ] + [
        JobTaskCandidate(task_id=job.key, kind=JobTaskCandidate.KIND_GROUP, name=name[:256])
        for name in dict.fromkeys(task.candidate_groups)
    ]
    return task, candidates


def import_job_tasks() -> int:
    """Add the open job-based tasks not imported yet and close those whose job finished; the number of
    tasks added or closed. Safe to run concurrently (an insert another run made first is skipped)."""
    new_jobs = list(
        Job.objects.filter(Q(state=JobState.ACTIVATABLE) | Q(state=JobState.ACTIVATED), type=JOB_TYPE)
        .filter(~Exists(JobTask.objects.filter(key=OuterRef("key"))))
        .order_by("key")[:_BATCH]
    )
    finished = (
        list(
            Job.objects.filter(
                key__in=JobTask.objects.filter(state=JobTaskState.CREATED).values("key"),
                state__in=list(_FINISHED),
            ).values_list("key", "state", "updated_at")[:_BATCH]
        )
        if new_jobs or job_tasks_exist()
        else []
    )
    if not new_jobs and not finished:
        return 0  # the usual case: reads only, no transaction
    changed = 0
    with transaction.atomic():
        if new_jobs:
            pairs = [task_from_job(job) for job in new_jobs]
            JobTask.objects.bulk_create([task for task, _ in pairs], ignore_conflicts=True)
            JobTaskCandidate.objects.bulk_create(
                [candidate for _, candidates in pairs for candidate in candidates], ignore_conflicts=True
            )
            changed += len(new_jobs)
            for task, _ in pairs:
                # Whoever may see it hears of it, as of a native task the engine created.
                live.task_changed_by_tasklist(task, "CREATED")
        closed = {task.key: task for task in JobTask.objects.filter(key__in=[key for key, _, _ in finished])}
        for key, state, updated_at in finished:
            if JobTask.objects.filter(key=key, state=JobTaskState.CREATED).update(
                state=_FINISHED[state], completion_date=updated_at
            ):
                changed += 1
                if key in closed:
                    live.task_changed_by_tasklist(closed[key], str(_FINISHED[state]))
        if finished:
            # Candidate rows exist only while a task is open, as the engine's.
            JobTaskCandidate.objects.filter(task_id__in=[key for key, _, _ in finished]).delete()
    return changed
