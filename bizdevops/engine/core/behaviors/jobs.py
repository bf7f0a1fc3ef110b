"""Jobs (service, send, job-based script/business-rule tasks, message throw events) and user tasks."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bizdevops.engine.core.behaviors.incidents import IncidentRaised
from bizdevops.engine.core.behaviors.variables import context
from bizdevops.engine.core.expressions import ExpressionError, evaluate_int, evaluate_string, evaluate_value
from bizdevops.engine.core.model.elements import Event, JobTask, UserTask
from bizdevops.engine.core.records import ErrorType, JobRecord, JobState, UserTaskRecord, UserTaskState
from bizdevops.engine.core.state import ElementInstance

if TYPE_CHECKING:
    from bizdevops.engine.core.processing import Processing


def create_job(ctx: Processing, element: JobTask | Event, ei: ElementInstance) -> None:
    definition = element.task_definition
    assert definition is not None  # validated at deploy time
    job_type = definition.type
    retries_text = definition.retries
    priority_text = definition.priority or "0"
    try:
        if job_type.startswith("=") or retries_text.startswith("=") or priority_text.startswith("="):
            scope_context = context(ctx, ei.key)
            job_type = evaluate_string(job_type, scope_context, "job type")
            retries = evaluate_int(retries_text, scope_context, "job retries")
            priority = evaluate_int(priority_text, scope_context, "job priority")
        else:
            retries = int(retries_text)
            priority = int(priority_text)
    except ExpressionError as exc:
        raise IncidentRaised.from_expression(exc) from None
    except ValueError:
        retries, priority = 3, 0
    if not -(2**31) <= priority < 2**31:
        raise IncidentRaised(
            "EXTRACT_VALUE_ERROR", f"Expected job priority to be a 32-bit integer, but was {priority}."
        )
    _new_job(ctx, ei, job_type, retries, dict(element.headers), priority)


def _new_job(
    ctx: Processing,
    ei: ElementInstance,
    job_type: str,
    retries: int,
    headers: dict[str, str],
    priority: int = 0,
) -> None:
    d = ctx.definition
    job = JobRecord(
        key=ctx.next_key(),
        type=job_type,
        state=JobState.ACTIVATABLE,
        retries=retries,
        process_instance_key=ctx.state.key,
        process_definition_key=d.key,
        bpmn_process_id=d.bpmn_process_id,
        process_definition_version=d.version,
        element_id=ei.element_id,
        element_instance_key=ei.key,
        created_at=ctx.now,
        custom_headers=headers,
        priority=priority,
        tenant_id=ctx.state.tenant_id,
    )
    ei.job_key = job.key
    ctx.effects.jobs.append(job)
    ctx.record("JOB", "CREATED", ei, {"jobKey": job.key, "type": job_type, "retries": retries})


def current_job(ctx: Processing, key: int) -> JobRecord | None:
    """The job as this unit knows it: a change made earlier in the unit wins over the Store."""
    for job in reversed(ctx.effects.jobs):
        if job.key == key:
            return job
    return ctx.store.get_job(key)


def cancel_job(ctx: Processing, ei: ElementInstance) -> None:
    if ei.job_key is None:
        return
    job = current_job(ctx, ei.job_key)
    ei.job_key = None
    if job is not None and job.state not in (JobState.COMPLETED, JobState.CANCELED):
        ctx.effects.jobs.append(replace(job, state=JobState.CANCELED))
        ctx.record("JOB", "CANCELED", ei, {"jobKey": job.key})


def _list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None)
    return tuple(part.strip() for part in str(value).split(",") if part.strip())


def _assignment(ctx: Processing, element: UserTask, ei: ElementInstance) -> tuple[Any, Any, Any, Any, Any]:
    """Assignee, candidate users, candidate groups, due date and follow-up date, evaluated."""
    p = element.properties
    scope_context = context(ctx, ei.key)
    try:
        return (
            evaluate_value(p.assignee, scope_context) if p.assignee else None,
            evaluate_value(p.candidate_users, scope_context) if p.candidate_users else None,
            evaluate_value(p.candidate_groups, scope_context) if p.candidate_groups else None,
            evaluate_value(p.due_date, scope_context) if p.due_date else None,
            evaluate_value(p.follow_up_date, scope_context) if p.follow_up_date else None,
        )
    except ExpressionError as exc:
        raise IncidentRaised.from_expression(exc) from None


USER_TASK_JOB_TYPE = "io.camunda.zeebe:userTask"
_HEADER = "io.camunda.zeebe:"


def create_job_worker_user_task(ctx: Processing, element: UserTask, ei: ElementInstance) -> None:
    """A user task without zeebe:userTask (Zeebe's job-based user task): a job of type
    io.camunda.zeebe:userTask, one retry, whose custom headers add the evaluated assignment (candidate lists
    as JSON arrays), schedule and form key (the formKey as written, or the key of the latest form with the
    formId) to the task headers. It completes, fails and throws errors like any job."""
    assignee, users, groups, due, follow_up = _assignment(ctx, element, ei)
    form = element.properties.form
    headers = dict(element.headers)
    if assignee not in (None, ""):
        headers[_HEADER + "assignee"] = str(assignee)
    if element.properties.candidate_groups:
        headers[_HEADER + "candidateGroups"] = _json_list(_list(groups))
    if element.properties.candidate_users:
        headers[_HEADER + "candidateUsers"] = _json_list(_list(users))
    if due not in (None, ""):
        headers[_HEADER + "dueDate"] = str(due)
    if follow_up not in (None, ""):
        headers[_HEADER + "followUpDate"] = str(follow_up)
    if form is not None and form.form_key:
        headers[_HEADER + "formKey"] = form.form_key
    elif form is not None and form.form_id:
        try:
            form_id = evaluate_string(form.form_id, context(ctx, ei.key), "form id")
        except ExpressionError as exc:
            raise IncidentRaised.from_expression(exc) from None
        # Zeebe's BpmnJobBehavior links job-based user tasks to the latest version only
        headers[_HEADER + "formKey"] = str(_linked_form_key(ctx, form_id, "latest", None))
    _new_job(ctx, ei, USER_TASK_JOB_TYPE, 1, headers)


def _linked_form_key(ctx: Processing, form_id: str, binding_type: str, version_tag: str | None) -> int:
    """The key of the deployed form a zeebe:formDefinition formId names, per its bindingType (Zeebe's
    UserTaskBehavior.findLinkedForm); none deployed raises a FORM_NOT_FOUND incident, which deploying the
    form and resolving the incident clears."""
    tenant_id = ctx.state.tenant_id
    if binding_type == "deployment":
        deployment_key = ctx.definition.deployment_key
        linked = ctx.store.linked_form(form_id, tenant_id=tenant_id, deployment_key=deployment_key)
        message = (
            f"Expected to use a form with id '{form_id}' with binding type 'deployment', but no such form "
            f"found in the deployment with key {deployment_key} which contained the current process. To "
            "resolve this incident, migrate the process instance to a process definition that is deployed "
            "together with the intended form to use."
        )
    elif binding_type == "versionTag":
        linked = ctx.store.linked_form(form_id, tenant_id=tenant_id, version_tag=version_tag or "")
        message = (
            f"Expected to use a form with id '{form_id}' and version tag '{version_tag}', but no such "
            "form found. To resolve the incident, deploy a form with the given id and version tag."
        )
    else:
        linked = ctx.store.linked_form(form_id, tenant_id=tenant_id)
        message = (
            f"Expected to find a form with id '{form_id}', but no form with this id is found, at least a "
            "form with this id should be available. To resolve the Incident please deploy a form with the "
            "same id"
        )
    if linked is None:
        raise IncidentRaised(ErrorType.FORM_NOT_FOUND, message)
    return linked.key


def _json_list(items: tuple[str, ...]) -> str:
    """Zeebe's list literal for candidate headers: ["a","b"]."""
    return json.dumps(list(items), separators=(",", ":"), ensure_ascii=False)


def create_user_task(ctx: Processing, element: UserTask, ei: ElementInstance) -> None:
    p = element.properties
    assignee, users, groups, due, follow_up = _assignment(ctx, element, ei)
    try:
        priority = evaluate_int(p.priority, context(ctx, ei.key), "priority") if p.priority else 50
    except ExpressionError as exc:
        raise IncidentRaised.from_expression(exc) from None
    if not 0 <= priority <= 100:
        raise IncidentRaised(
            "EXTRACT_VALUE_ERROR", f"Expected priority to be in the range 0..100, but was {priority}."
        )
    form = p.form
    form_definition_key = None
    if form is not None and form.form_id:
        try:
            form_id = evaluate_string(form.form_id, context(ctx, ei.key), "form id")
        except ExpressionError as exc:
            raise IncidentRaised.from_expression(exc) from None
        form_definition_key = _linked_form_key(ctx, form_id, form.binding_type, form.version_tag)
    d = ctx.definition
    task = UserTaskRecord(
        key=ctx.next_key(),
        state=UserTaskState.CREATED,
        element_id=ei.element_id,
        element_instance_key=ei.key,
        process_instance_key=ctx.state.key,
        process_definition_key=d.key,
        bpmn_process_id=d.bpmn_process_id,
        process_definition_version=d.version,
        created_at=ctx.now,
        name=element.name,
        assignee=str(assignee) if assignee not in (None, "") else None,
        candidate_users=_list(users),
        candidate_groups=_list(groups),
        due_date=str(due) if due is not None else None,
        follow_up_date=str(follow_up) if follow_up is not None else None,
        priority=priority,
        form_key=form.form_key if form else None,
        form_id=form.form_id if form else None,
        form_definition_key=form_definition_key,
        external_form_reference=form.external_reference if form else None,
        embedded_form=form.embedded_form if form else None,
        custom_headers=dict(element.headers),
        tenant_id=ctx.state.tenant_id,
    )
    ei.user_task_key = task.key
    ctx.effects.user_tasks.append(task)
    ctx.record("USER_TASK", "CREATED", ei, {"userTaskKey": task.key, "assignee": task.assignee})


def cancel_user_task(ctx: Processing, ei: ElementInstance) -> None:
    if ei.user_task_key is None:
        return
    key = ei.user_task_key
    ei.user_task_key = None
    task = next(
        (t for t in reversed(ctx.effects.user_tasks) if t.key == key), None
    ) or ctx.store.get_user_task(key)
    if task is not None and task.state == UserTaskState.CREATED:
        ctx.effects.user_tasks.append(replace(task, state=UserTaskState.CANCELED))
        ctx.record("USER_TASK", "CANCELED", ei, {"userTaskKey": key})
