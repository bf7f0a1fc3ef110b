"""Fixtures for the engine core scenarios.

HOOKS (for the state layer):
- ENGINE_FACTORIES: dict[str, Callable[[pytest.FixtureRequest], EngineHarness]]. Every test that takes the
  `harness` fixture runs once per entry. "memory" and "memory-restart" (a new Engine per command) are
  built in.
- To add "postgres", provide `tests/engine/state/harness.py` with `register(factories)` that adds an entry;
  this conftest imports it (if present) before any test is collected. The factory receives the pytest
  request, so it can ask for Django's db fixtures (`request.getfixturevalue("transactional_db")`).
  Its harness should return a fresh Engine on the same database from `.engine` (restart at wait states).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable

import pytest

from tests.engine.core.harness import EngineHarness, MemoryHarness, MemoryRestartHarness

ENGINE_FACTORIES: dict[str, Callable[[pytest.FixtureRequest], EngineHarness]] = {
    "memory": lambda request: MemoryHarness(),
    # a new Engine object (empty caches) for every command: state lives only in the store
    "memory-restart": lambda request: MemoryRestartHarness(),
}

if importlib.util.find_spec("tests.engine.state") is not None and importlib.util.find_spec(
    "tests.engine.state.harness"
):
    importlib.import_module("tests.engine.state.harness").register(ENGINE_FACTORIES)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "harness" in metafunc.fixturenames:
        metafunc.parametrize("harness", list(ENGINE_FACTORIES), indirect=True)


@pytest.fixture
def harness(request: pytest.FixtureRequest) -> EngineHarness:
    return ENGINE_FACTORIES[request.param](request)
