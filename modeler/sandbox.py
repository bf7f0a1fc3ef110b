"""Play mode: run a diagram on the engine's pure in-memory core, isolated from production state.

Nothing is kept in a process-wide object: a run is its resources plus the list of steps the user took, stored
in the user's session. Each request replays them on a fresh `InMemoryEngine` (the core is deterministic: same
commands → same keys and events), so a run survives across worker processes and never touches the database's
engine tables. No job worker or connector runs here: every job and user task waits for the user.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from modeler.models import ModelFile

# A run is replayed in full at every request, so everything here bounds the cost of one request:
# user actions recorded per run, bytes of variables per action, keys the engine may hand out during one
# replay (every element instance, job, task and variable needs a key, so this is the sandbox's work budget:
# a loop without a wait state stops after it instead of after the core's 500 000-step guard per unit), and
# lines of log returned.
MAX_STEPS = 100
MAX_STEP_VARIABLES_BYTES = 64 * 1024
MAX_KEYS = 20_000
MAX_LOG_LINES = 2_000
# A fixed clock start makes replays identical (timestamps, due dates).
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z

_EXTENSIONS = {"bpmn": ".bpmn", "dmn": ".dmn", "form": ".form"}


@dataclass(frozen=True)
class PlayProblem(Exception):
    """The run could not go on; the message is for the modeler."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class PlayView:
    """What the page shows: a readable log, the jobs and tasks waiting for the user, and the variables."""

    log: list[str]
    waiting: list[dict[str, Any]]
    finished: bool
    variables: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "log": self.log,
            "waiting": self.waiting,
            "finished": self.finished,
            "variables": self.variables,
        }


def new_run(*, model_file: ModelFile, variables: dict[str, Any]) -> dict[str, Any]:
    """A run's replayable record: the diagram and the project's decisions and forms as saved now."""
    resources = [
        (f"{f.pk}-{f.element_id or 'file'}{_EXTENSIONS[f.kind]}", f.content)
        for f in model_file.project.files.exclude(kind=ModelFile.Kind.BPMN)
    ]
    resources.append((f"{model_file.pk}.bpmn", model_file.content))
    return {"processId": model_file.element_id, "resources": resources, "steps": [["start", variables]]}


def check_variables(variables: dict[str, Any]) -> None:
    """Variables are stored with the run in the session and replayed every time: keep them small."""
    if len(json.dumps(variables, ensure_ascii=False).encode("utf-8")) > MAX_STEP_VARIABLES_BYTES:
        raise PlayProblem(
            _("The variables are too large for the sandbox (the limit is %(limit)s bytes).")
            % {"limit": MAX_STEP_VARIABLES_BYTES}
        )


def add_step(run: dict[str, Any], step: list[Any]) -> dict[str, Any]:
    if len(run["steps"]) >= MAX_STEPS:
        raise PlayProblem(_("This run is long enough; start a new one."))
    return {**run, "steps": [*run["steps"], step]}


class _BudgetExhausted(Exception):
    pass


def _budgeted_keys(limit: int) -> Any:
    """The in-memory engine's counter keys (same sequence, so replays stay deterministic), refusing to hand
    out more than `limit`: the engine core's step guard (RunawayInstance) then ends the unit of work."""
    from bizdevops.engine.core.errors import RunawayInstance
    from bizdevops.engine.core.keys import CounterKeys

    keys = CounterKeys()
    counter = keys.next_key
    issued = 0

    def next_key() -> int:
        nonlocal issued
        issued += 1
        if issued > limit:
            raise RunawayInstance(f"The sandbox run needed more than {limit} steps.")
        return counter()

    keys.next_key = next_key  # type: ignore[method-assign]
    keys.exhausted = lambda: issued > limit  # type: ignore[attr-defined]
    return keys


def _describe(record: Any, names: dict[str, str]) -> str | None:
    element = names.get(record.element_id) or record.element_id
    kind = record.element_type.replace("_", " ").lower()
    intent = record.intent
    data = record.data or {}
    if record.value_type == "PROCESS_INSTANCE":
        if intent == "ELEMENT_ACTIVATED":
            return _("▶ %(kind)s “%(element)s” started") % {"kind": kind, "element": element}
        if intent == "ELEMENT_COMPLETED":
            return _("✓ %(kind)s “%(element)s” completed") % {"kind": kind, "element": element}
        if intent == "ELEMENT_TERMINATED":
            return _("✗ %(kind)s “%(element)s” terminated") % {"kind": kind, "element": element}
        if intent == "SEQUENCE_FLOW_TAKEN":
            return _("→ flow “%(element)s” taken") % {"element": element}
        return None
    if record.value_type == "JOB":
        job_type = data.get("type") or ""
        return _("⏸ job %(what)s at “%(element)s”") % {"what": intent.lower(), "element": element} + (
            f" ({job_type})" if job_type else ""
        )
    if record.value_type == "USER_TASK":
        return _("👤 user task “%(element)s”: %(what)s") % {"element": element, "what": intent.lower()}
    if record.value_type == "VARIABLE":
        name = data.get("name")
        if name is None:
            return None
        return f"  {name} = {json.dumps(data.get('value'), ensure_ascii=False)[:200]}"
    if record.value_type == "INCIDENT":
        reason = data.get("errorMessage") or data.get("message") or intent
        return _("⚠ incident at “%(element)s”: %(reason)s") % {"element": element, "reason": reason}
    if record.value_type == "DECISION":
        return _("⚖ decision evaluated at “%(element)s”") % {"element": element}
    return f"{record.value_type.lower()} {intent.lower()} at “{element}”"


def replay(run: dict[str, Any]) -> PlayView:
    """Rebuild the sandbox from the run's record and describe where it stands."""
    from bizdevops.engine.core.errors import EngineError
    from bizdevops.engine.core.memory import InMemoryEngine
    from bizdevops.engine.core.parser.validate import DeploymentRejected
    from bizdevops.engine.core.records import JobState, UserTaskState

    engine = InMemoryEngine(start_ms=START_MS)
    keys = engine.keys = _budgeted_keys(MAX_KEYS)
    try:
        engine.deploy([(name, content.encode("utf-8")) for name, content in run["resources"]])
    except DeploymentRejected as exc:
        raise PlayProblem(_("The diagram cannot run: ") + "; ".join(str(p) for p in exc.problems)) from None
    except EngineError as exc:
        raise PlayProblem(str(exc)) from None
    names = _element_names(run["resources"][-1][1])
    log: list[str] = []
    instance_key: int | None = None
    for index, step in enumerate(run["steps"]):
        kind = step[0]
        try:
            if kind == "start":
                created = engine.create_process_instance(bpmn_process_id=run["processId"], variables=step[1])
                instance_key = created.process_instance_key
            elif kind == "job":
                engine.complete_job(int(step[1]), step[2])
            elif kind == "task":
                engine.complete_user_task(int(step[1]), step[2])
            elif kind == "advance":
                engine.advance(minutes=float(step[1]))
            engine.run_pending()
        except EngineError as exc:
            if keys.exhausted():
                break
            if index == len(run["steps"]) - 1:
                raise PlayProblem(str(exc)) from None
            log.append(f"⚠ {exc}")
        if keys.exhausted():
            break
    if keys.exhausted():
        # Follow-up units swallow the guard (the runtime logs it), so ask the budget, not the exception.
        raise PlayProblem(
            _(
                "The run took more than %(limit)s steps without waiting for you: is there a loop without "
                "a task or event?"
            )
            % {"limit": MAX_KEYS}
        )
    for record in engine.store.history:
        if len(log) >= MAX_LOG_LINES:
            log.append(_("… (the log is cut here)"))
            break
        line = _describe(record, names)
        if line:
            log.append(line)
    waiting: list[dict[str, Any]] = []
    for job in engine.store.jobs.values():
        if job.state in (JobState.ACTIVATABLE, JobState.ACTIVATED):
            label = f"{names.get(job.element_id) or job.element_id} · job {job.type}"
            waiting.append({"kind": "job", "key": str(job.key), "elementId": job.element_id, "label": label})
    for task in engine.store.user_tasks.values():
        if task.state == UserTaskState.CREATED:
            label = f"{names.get(task.element_id) or task.element_id} · user task"
            waiting.append(
                {"kind": "task", "key": str(task.key), "elementId": task.element_id, "label": label}
            )
    for timer in engine.store.timers.values():
        if timer.process_instance_key is None:
            continue
        minutes = max(0, round((timer.due - engine.clock.now_ms()) / 60_000))
        label = _("%(element)s · timer due in %(minutes)s min") % {
            "element": names.get(timer.element_id) or timer.element_id,
            "minutes": minutes,
        }
        waiting.append(
            {"kind": "timer", "key": str(timer.key), "elementId": timer.element_id, "label": label}
        )
    variables: dict[str, Any] = {}
    finished = True
    if instance_key is not None:
        state = engine.get_process_instance(instance_key)
        # Timers and messages also keep an instance waiting: only its status says it ended.
        finished = state is None or state.status != "ACTIVE"
        variables = _instance_variables(state)
    return PlayView(log=log, waiting=waiting, finished=finished, variables=variables)


def _instance_variables(state: Any) -> dict[str, Any]:
    if state is None:
        return {}
    scopes = getattr(state, "variables", None)
    if isinstance(scopes, dict):
        root = scopes.get(getattr(state, "key", None))
        if isinstance(root, dict):
            return {k: v for k, v in root.items() if isinstance(k, str)}
    return {}


def _element_names(xml: str) -> dict[str, str]:
    from bizdevops.xmlsafe import XmlProblem, parse_xml

    try:
        root = parse_xml(xml)
    except XmlProblem:
        return {}
    return {
        el.get("id", ""): el.get("name", "")
        for el in root.iter()
        if isinstance(el.tag, str) and el.get("name")
    }
