"""Fixtures: the demo insurance process deployed through the engine, and instances waiting at its tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bizdevops.engine import services as engine
from bizdevops.engine.state.models import UserTask

DEMO = Path(__file__).resolve().parents[2] / "bizdevops" / "demo_files"
APPLICATION = {
    "applicantName": "김철수",
    "age": 45,
    "email": "kim@example.com",
    "product": "basic",
    "coverageAmount": 100_000_000,
    "smoker": False,
    "conditions": [],
    "consent": True,
}


def deploy_demo() -> None:
    engine.deploy_resources(
        resources=[(path.name, path.read_bytes()) for path in sorted(DEMO.iterdir()) if path.is_file()]
    )


@pytest.fixture
def demo_process(db) -> None:  # type: ignore[no-untyped-def]
    deploy_demo()


@pytest.fixture
def start_application(demo_process):  # type: ignore[no-untyped-def]
    """Start an enrolment; returns the open underwriter review task."""

    def start(**overrides: Any) -> UserTask:
        created = engine.create_process_instance(
            bpmn_process_id="simple_insurance_enrolment", variables={**APPLICATION, **overrides}
        )
        return UserTask.objects.get(process_instance_key=created.process_instance_key, state="CREATED")

    return start


@pytest.fixture
def underwriter(make_user):  # type: ignore[no-untyped-def]
    return make_user("uw", "Employee")


@pytest.fixture
def colleague(make_user):  # type: ignore[no-untyped-def]
    return make_user("uw2", "Employee")


@pytest.fixture
def manager(make_user):  # type: ignore[no-untyped-def]
    return make_user("boss", "Manager")


@pytest.fixture
def outsider(make_user):  # type: ignore[no-untyped-def]
    return make_user("out", "Analyst")
