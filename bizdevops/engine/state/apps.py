from django.apps import AppConfig


class StateConfig(AppConfig):
    """Durable runtime state of the BPMN engine."""

    name = "bizdevops.engine.state"
    label = "engine"
    verbose_name = "Engine"
