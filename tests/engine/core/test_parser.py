"""Parser robustness on the OMG MIWG reference files, and the immutable model it produces."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bizdevops.engine.core.model import JobTask, UserTask
from bizdevops.engine.core.parser import parse_bpmn
from bizdevops.engine.core.parser.bpmn import BpmnParseError, parse_definitions
from bizdevops.engine.core.parser.validate import validate
from tests.engine.core.harness import HERE

REPO_ROOT = Path(__file__).resolve().parents[3]
MIWG = REPO_ROOT.parent / "shared" / "conformance" / "miwg"
MIWG_FILES = sorted(MIWG.glob("Reference/*.bpmn")) + sorted(MIWG.glob("tools/**/*.bpmn"))


@pytest.mark.skipif(not MIWG_FILES, reason="MIWG files not available next to the repository")
@pytest.mark.parametrize("path", MIWG_FILES, ids=lambda p: str(p.relative_to(MIWG)))
def test_every_miwg_file_parses_or_is_refused_with_named_problems(path: Path) -> None:
    # when
    try:
        parsed = parse_definitions(path.read_bytes())
    except BpmnParseError as exc:
        message = exc.message
        # then: not BPMN at all is a clear message, never a crash
        assert message
        return
    # MIWG models are marked non-executable; validate them as if they were, to exercise every construct
    models = [dataclasses.replace(m, executable=True) for m in parsed.processes]
    problems = validate(models, parsed.problems)
    for problem in problems:
        assert problem.message
        if problem.message.startswith("Unsupported element"):
            assert problem.message.removeprefix("Unsupported element").strip(": ")


def test_miwg_census_has_both_outcomes() -> None:
    if not MIWG_FILES:
        pytest.skip("MIWG files not available")
    refused = accepted = 0
    for path in MIWG_FILES:
        try:
            parsed = parse_definitions(path.read_bytes())
        except BpmnParseError:
            refused += 1
            continue
        models = [dataclasses.replace(m, executable=True) for m in parsed.processes]
        if validate(models, parsed.problems):
            refused += 1
        else:
            accepted += 1
    assert refused > 0
    assert accepted + refused == len(MIWG_FILES)


def test_model_is_typed_and_immutable() -> None:
    [model, _] = parse_bpmn((HERE / "service_task.bpmn").read_bytes())
    task = model.elements["charge"]
    assert isinstance(task, JobTask)
    assert task.task_definition is not None
    assert (task.task_definition.type, task.task_definition.retries) == ("payment", "2")
    assert task.headers == (("method", "VISA"),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        task.name = "x"  # type: ignore[misc]


def test_user_task_extensions_are_parsed() -> None:
    [model] = parse_bpmn((HERE / "user_task.bpmn").read_bytes())
    task = model.elements["review"]
    assert isinstance(task, UserTask)
    p = task.properties
    assert (p.assignee, p.candidate_groups, p.due_date, p.priority) == ("=owner", "sales, ops", "=due", "=70")
    assert p.form is not None
    assert p.form.form_id == "review-form"
