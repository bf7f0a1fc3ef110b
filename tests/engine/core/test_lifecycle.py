"""The lifecycle table and the processor registry."""

from __future__ import annotations

import pytest

from bizdevops.engine.core import lifecycle
from bizdevops.engine.core.model.elements import ElementType
from bizdevops.engine.core.registry import PROCESSORS


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (None, lifecycle.ACTIVATING),
        (lifecycle.ACTIVATING, lifecycle.ACTIVATED),
        (lifecycle.ACTIVATED, lifecycle.COMPLETING),
        (lifecycle.COMPLETING, lifecycle.COMPLETED),
        (lifecycle.ACTIVATED, lifecycle.TERMINATING),
        (lifecycle.ACTIVATING, lifecycle.TERMINATING),
        (lifecycle.COMPLETING, lifecycle.TERMINATING),
        (lifecycle.TERMINATING, lifecycle.TERMINATED),
    ],
)
def test_legal_transitions_pass(current: str | None, new: str) -> None:
    lifecycle.check_transition("x", current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (None, lifecycle.ACTIVATED),
        (lifecycle.ACTIVATING, lifecycle.COMPLETING),
        (lifecycle.COMPLETED, lifecycle.TERMINATING),
        (lifecycle.TERMINATED, lifecycle.TERMINATED),
        (lifecycle.TERMINATING, lifecycle.COMPLETED),
        (lifecycle.COMPLETED, lifecycle.ACTIVATING),
    ],
)
def test_illegal_transitions_raise(current: str | None, new: str) -> None:
    with pytest.raises(lifecycle.IllegalTransition, match="illegal lifecycle transition"):
        lifecycle.check_transition("x", current, new)


def test_every_element_type_has_exactly_one_processor() -> None:
    element_types = {v for k, v in vars(ElementType).items() if k.isupper()} - {ElementType.SEQUENCE_FLOW}
    assert set(PROCESSORS) == element_types
    assert len({id(p) for p in PROCESSORS.values()}) == len(PROCESSORS)
