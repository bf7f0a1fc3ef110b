"""Pure-Python BPMN engine core (Zeebe semantics): parser, processors, state, Store protocol, runtime.

No Django, Celery or Channels here. The state layer (bizdevops/engine/state) implements `Store`."""

from bizdevops.engine.core.clock import Clock, ControlledClock, SystemClock
from bizdevops.engine.core.errors import Conflict, DeploymentRejected, EngineError, InvalidArgument, NotFound
from bizdevops.engine.core.keys import CounterKeys, KeyGenerator
from bizdevops.engine.core.parser import Problem, parse_bpmn, validate
from bizdevops.engine.core.runtime import ActivatedJob, CreatedInstance, DecisionEvaluation, Engine
from bizdevops.engine.core.state import ElementInstance, InstanceState
from bizdevops.engine.core.store import Store

__all__ = [
    "ActivatedJob",
    "Clock",
    "Conflict",
    "ControlledClock",
    "CounterKeys",
    "CreatedInstance",
    "DecisionEvaluation",
    "DeploymentRejected",
    "ElementInstance",
    "Engine",
    "EngineError",
    "InstanceState",
    "InvalidArgument",
    "KeyGenerator",
    "NotFound",
    "Problem",
    "Store",
    "SystemClock",
    "parse_bpmn",
    "validate",
]
