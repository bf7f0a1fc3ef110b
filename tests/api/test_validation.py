"""The lean validation path (bizdevops.api.validation) gives exactly what the DRF serializer gives."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework import serializers

from bizdevops.api import validation
from bizdevops.api.errors import ApiProblem
from bizdevops.api.validation import validated
from bizdevops.api.views import commands
from bizdevops.api.views.commands import ActivationRequest, CompletionRequest, CreateInstanceRequest

BODIES: dict[type[serializers.Serializer], list[Any]] = {
    CreateInstanceRequest: [
        {"processDefinitionId": "order"},
        {"processDefinitionKey": "2251799813685249"},
        {"processDefinitionKey": 2251799813685249, "variables": {"a": 1, "b": None, "c": [1]}},
        {"processDefinitionId": "order", "processDefinitionKey": "1"},
        {},
        {"processDefinitionId": "  order "},
        {"processDefinitionId": ""},
        {"processDefinitionId": None},
        {"processDefinitionId": 12},
        {"processDefinitionId": True},
        {"processDefinitionId": "or\x00der"},
        {"processDefinitionId": "주문"},
        {"processDefinitionId": "bad\ud800"},
        {"processDefinitionKey": "12a"},
        {"processDefinitionKey": None},
        {"processDefinitionKey": True},
        {"processDefinitionKey": str(2**63)},
        {"processDefinitionId": "order", "processDefinitionVersion": 3, "tenantId": "t1"},
        {"processDefinitionId": "order", "processDefinitionVersion": "3"},
        {"processDefinitionId": "order", "processDefinitionVersion": 3.0},
        {"processDefinitionId": "order", "processDefinitionVersion": True},
        {"processDefinitionId": "order", "processDefinitionVersion": None},
        {"processDefinitionId": "order", "variables": None},
        {"processDefinitionId": "order", "variables": []},
        {"processDefinitionId": "order", "variables": "x"},
        {"processDefinitionId": "order", "awaitCompletion": True, "requestTimeout": 500},
        {"processDefinitionId": "order", "awaitCompletion": "true"},
        {"processDefinitionId": "order", "awaitCompletion": 1},
        {"processDefinitionId": "order", "awaitCompletion": None},
        {"processDefinitionId": "order", "requestTimeout": -1},
        {"processDefinitionId": "order", "fetchVariables": ["a", "b"], "tags": ["x"]},
        {"processDefinitionId": "order", "fetchVariables": ["a", 1]},
        {"processDefinitionId": "order", "fetchVariables": ["a", None]},
        {"processDefinitionId": "order", "fetchVariables": ["a", " b"]},
        {"processDefinitionId": "order", "fetchVariables": "a"},
        {"processDefinitionId": "order", "fetchVariables": {"a": 1}},
        {"processDefinitionId": "order", "startInstructions": [{"elementId": "Task"}]},
        {"processDefinitionId": "order", "startInstructions": [None]},
        {"processDefinitionId": "order", "startInstructions": ["Task"]},
        {"processDefinitionId": "order", "businessId": None},
        {"processDefinitionId": "order", "businessId": "B-1"},
        {"processDefinitionId": "order", "businessId": ""},
        {"processDefinitionId": "order", "operationReference": 7},
        {"processDefinitionId": "order", "unknown": {"ignored": True}},
    ],
    ActivationRequest: [
        {"type": "work", "timeout": 60000, "maxJobsToActivate": 10},
        {"type": "work", "worker": "", "timeout": 1, "maxJobsToActivate": 1000, "requestTimeout": 0},
        {"type": "work", "worker": "w", "timeout": 1, "maxJobsToActivate": 1001},
        {"type": "work", "timeout": 0, "maxJobsToActivate": 1},
        {"type": "work", "timeout": 1, "maxJobsToActivate": 0},
        {"type": "w" * 256, "timeout": 1, "maxJobsToActivate": 1},
        {"type": "w" * 257, "timeout": 1, "maxJobsToActivate": 1},
        {"type": "", "timeout": 1, "maxJobsToActivate": 1},
        {"type": "work", "timeout": "1", "maxJobsToActivate": 1},
        {"type": "work", "timeout": 1},
        {"type": "work", "timeout": 1, "maxJobsToActivate": 1, "worker": "  "},
        {"type": "work", "timeout": 1, "maxJobsToActivate": 1, "worker": None},
        {"type": "work", "timeout": 1, "maxJobsToActivate": 1, "fetchVariable": None, "tenantIds": None},
        {"type": "work", "timeout": 1, "maxJobsToActivate": 1, "fetchVariable": ["a"], "tenantIds": ["t"]},
        {"type": "work", "timeout": 1, "maxJobsToActivate": 1, "tenantFilter": "PROVIDED"},
        {"type": "work", "timeout": 1, "maxJobsToActivate": 1, "tenantFilter": None},
        {"type": "work", "timeout": 1, "maxJobsToActivate": 1, "requestTimeout": -5},
    ],
    CompletionRequest: [
        {},
        {"variables": {}},
        {"variables": {"x": {"y": [1, 2]}}, "result": {"corrections": {}}},
        {"variables": None, "result": None},
        {"variables": []},
        {"variables": "x"},
        {"result": 1},
    ],
}


def _by_serializer(serializer_class: type[serializers.Serializer], data: Any) -> Any:
    serializer = serializer_class(data=data)
    try:
        serializer.is_valid(raise_exception=True)
    except serializers.ValidationError as exc:
        return ("ValidationError", exc.detail)
    except ApiProblem as exc:
        return ("ApiProblem", exc.status_code, exc.detail)
    return dict(serializer.validated_data)


def _by_lean_path(serializer_class: type[serializers.Serializer], data: Any) -> Any:
    try:
        return validated(serializer_class, data)
    except serializers.ValidationError as exc:
        return ("ValidationError", exc.detail)
    except ApiProblem as exc:
        return ("ApiProblem", exc.status_code, exc.detail)


@pytest.mark.parametrize(
    ("serializer_class", "data"),
    [(cls, data) for cls, bodies in BODIES.items() for data in bodies],
    ids=lambda value: getattr(value, "__name__", None) or repr(value)[:60],
)
def test_lean_validation_gives_what_the_serializer_gives(
    serializer_class: type[serializers.Serializer], data: Any
) -> None:
    # given a request body, valid or not
    # when it is validated through the lean path and by the serializer alone
    lean, drf = _by_lean_path(serializer_class, data), _by_serializer(serializer_class, data)
    # then both give the same validated data, or the same error
    assert lean == drf
    if isinstance(drf, dict):
        assert list(lean) == list(drf)  # same keys in the same order, defaults included


def test_hot_request_serializers_take_the_lean_path() -> None:
    # given the serializers of the job loop's endpoints
    # when their plans are compiled
    # then each has one (none falls back to the serializer on every request)
    for serializer_class in (CreateInstanceRequest, ActivationRequest, CompletionRequest):
        assert validation._compile(serializer_class) is not None


def test_defaults_are_fresh_objects_per_request() -> None:
    # given two validations of a body without variables
    first = validated(CreateInstanceRequest, {"processDefinitionId": "order"})
    second = validated(CreateInstanceRequest, {"processDefinitionId": "order"})
    # when one's default is changed
    first["variables"]["x"] = 1
    first["tags"].append("t")
    # then the other's is not
    assert second["variables"] == {}
    assert second["tags"] == []


def test_every_command_serializer_gives_what_the_serializer_gives_for_an_empty_body() -> None:
    # given every request serializer of the command views (compiled or not)
    classes = [
        value
        for value in vars(commands).values()
        if isinstance(value, type)
        and issubclass(value, serializers.Serializer)
        and value.__module__ == commands.__name__
    ]
    assert len(classes) > 10
    # when an empty body and a body of wrong types are validated
    for serializer_class in classes:
        for data in ({}, {name: [1] for name in serializer_class._declared_fields}):
            # then the lean path agrees with the serializer
            assert _by_lean_path(serializer_class, data) == _by_serializer(serializer_class, data)


@pytest.mark.parametrize(
    ("serializer_class", "data"),
    [
        (CreateInstanceRequest, {"processDefinitionId": "order", "variables": {"a": 1}, "tags": ["x"]}),
        (CreateInstanceRequest, {"processDefinitionKey": "2251799813685249", "awaitCompletion": True}),
        (ActivationRequest, {"type": "work", "worker": "w", "timeout": 60000, "maxJobsToActivate": 32}),
        (CompletionRequest, {"variables": {"done": True}}),
        (CompletionRequest, {}),
    ],
)
def test_clean_bodies_need_no_serializer(serializer_class: type[serializers.Serializer], data: Any) -> None:
    # given a clean body of a job loop endpoint and its compiled plan
    plan = validation._compile(serializer_class)
    assert plan is not None
    # when it runs through the plan alone, then the plan vouches for every value (no serializer needed)
    assert validation._run(serializer_class, plan, data) == _by_serializer(serializer_class, data)
