"""pytest plugin: `pytest_plugins = ["bizdevops.testing.plugin"]` in a conftest gives

- `process_test`: the engine in memory with a controlled clock (fast; no database),
- `process_test_db`: the real engine services on the test database (transactional),

both with the `ProcessTest` API (deploy, start, complete_job, work, complete_user_task, publish_message,
broadcast_signal, advance, evaluate_decision), and the `assert_process` fixture for fluent assertions.
Mark a test `@pytest.mark.process_backends` with the `process_backend` fixture to run it on both.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bizdevops.testing.assertions import assert_process as _assert_process
from bizdevops.testing.kit import DatabaseProcessTest, MemoryProcessTest, ProcessTest


@pytest.fixture
def process_test() -> ProcessTest:
    """A fresh in-memory engine per test."""
    return MemoryProcessTest()


@pytest.fixture
def process_test_db(transactional_db, settings) -> Iterator[ProcessTest]:  # type: ignore[no-untyped-def]
    """The database-backed engine; the clock API is enabled so `advance` works."""
    settings.BIZDEVOPS_CLOCK_API = True
    kit = DatabaseProcessTest()
    yield kit
    kit.services.reset_clock()


@pytest.fixture(params=["memory", "database"])
def process_backend(request) -> ProcessTest:  # type: ignore[no-untyped-def]
    """Parametrized over both backends: the same scenario must behave the same in memory and on PostgreSQL."""
    if request.param == "memory":
        return MemoryProcessTest()
    return request.getfixturevalue("process_test_db")  # type: ignore[no-any-return]


@pytest.fixture
def assert_process():  # type: ignore[no-untyped-def]
    return _assert_process
