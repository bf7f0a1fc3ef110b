"""The one map from element type to processor. An element type missing here cannot be deployed."""

from __future__ import annotations

from bizdevops.engine.core.elements.base import ElementProcessor
from bizdevops.engine.core.elements.containers.ad_hoc_subprocess import (
    AdHocInnerInstanceProcessor,
    AdHocSubProcessProcessor,
)
from bizdevops.engine.core.elements.containers.call_activity import CallActivityProcessor
from bizdevops.engine.core.elements.containers.event_subprocess import EventSubProcessProcessor
from bizdevops.engine.core.elements.containers.multi_instance import MultiInstanceBodyProcessor
from bizdevops.engine.core.elements.containers.process import ProcessProcessor
from bizdevops.engine.core.elements.containers.subprocess import SubProcessProcessor
from bizdevops.engine.core.elements.events.boundary import BoundaryEventProcessor
from bizdevops.engine.core.elements.events.end import EndEventProcessor
from bizdevops.engine.core.elements.events.intermediate_catch import IntermediateCatchEventProcessor
from bizdevops.engine.core.elements.events.intermediate_throw import IntermediateThrowEventProcessor
from bizdevops.engine.core.elements.events.start import StartEventProcessor
from bizdevops.engine.core.elements.gateways.event_based import EventBasedGatewayProcessor
from bizdevops.engine.core.elements.gateways.exclusive import ExclusiveGatewayProcessor
from bizdevops.engine.core.elements.gateways.inclusive import InclusiveGatewayProcessor
from bizdevops.engine.core.elements.gateways.parallel import ParallelGatewayProcessor
from bizdevops.engine.core.elements.tasks.business_rule import BusinessRuleTaskProcessor
from bizdevops.engine.core.elements.tasks.manual import ManualTaskProcessor, UndefinedTaskProcessor
from bizdevops.engine.core.elements.tasks.receive import ReceiveTaskProcessor
from bizdevops.engine.core.elements.tasks.script import ScriptTaskProcessor
from bizdevops.engine.core.elements.tasks.service import SendTaskProcessor, ServiceTaskProcessor
from bizdevops.engine.core.elements.tasks.user import UserTaskProcessor
from bizdevops.engine.core.model.elements import ElementType as T

__all__ = ["PROCESSORS", "ElementProcessor"]

PROCESSORS: dict[str, ElementProcessor] = {
    T.PROCESS: ProcessProcessor(),
    T.SUB_PROCESS: SubProcessProcessor(),
    T.AD_HOC_SUB_PROCESS: AdHocSubProcessProcessor(),
    T.AD_HOC_SUB_PROCESS_INNER_INSTANCE: AdHocInnerInstanceProcessor(),
    T.EVENT_SUB_PROCESS: EventSubProcessProcessor(),
    T.MULTI_INSTANCE_BODY: MultiInstanceBodyProcessor(),
    T.CALL_ACTIVITY: CallActivityProcessor(),
    T.START_EVENT: StartEventProcessor(),
    T.END_EVENT: EndEventProcessor(),
    T.INTERMEDIATE_CATCH_EVENT: IntermediateCatchEventProcessor(),
    T.INTERMEDIATE_THROW_EVENT: IntermediateThrowEventProcessor(),
    T.BOUNDARY_EVENT: BoundaryEventProcessor(),
    T.SERVICE_TASK: ServiceTaskProcessor(),
    T.SEND_TASK: SendTaskProcessor(),
    T.USER_TASK: UserTaskProcessor(),
    T.SCRIPT_TASK: ScriptTaskProcessor(),
    T.BUSINESS_RULE_TASK: BusinessRuleTaskProcessor(),
    T.RECEIVE_TASK: ReceiveTaskProcessor(),
    T.MANUAL_TASK: ManualTaskProcessor(),
    T.TASK: UndefinedTaskProcessor(),
    T.EXCLUSIVE_GATEWAY: ExclusiveGatewayProcessor(),
    T.PARALLEL_GATEWAY: ParallelGatewayProcessor(),
    T.INCLUSIVE_GATEWAY: InclusiveGatewayProcessor(),
    T.EVENT_BASED_GATEWAY: EventBasedGatewayProcessor(),
}
