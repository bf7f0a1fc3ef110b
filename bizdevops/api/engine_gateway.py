"""The one place the API calls the engine (engine.services for writes, engine.selectors for reads).

Kept separate so the views speak the API's language and this module absorbs the engine's signatures.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from bizdevops.api.errors import ApiProblem


def _module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ApiProblem(503, "The process engine is not available.") from None


def services() -> Any:
    return _module("bizdevops.engine.services")


def selectors() -> Any:
    return _module("bizdevops.engine.selectors")


def pin_clock(epoch_ms: int) -> None:
    services().pin_clock(epoch_ms=epoch_ms)


def reset_clock() -> None:
    services().reset_clock()
