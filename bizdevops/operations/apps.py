from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Operate and Optimize read models."""

    name = "bizdevops.operations"
    label = "operations"
    verbose_name = "Operations"
