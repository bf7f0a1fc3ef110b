"""BPMN 2.0 (Camunda 8 dialect) → ProcessModel, and deploy-time validation."""

from bizdevops.engine.core.parser.bpmn import BpmnParseError, parse_bpmn
from bizdevops.engine.core.parser.validate import DeploymentRejected, Problem, validate

__all__ = ["BpmnParseError", "DeploymentRejected", "Problem", "parse_bpmn", "validate"]
