from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The public REST API (Camunda 8 v2 compatible)."""

    name = "bizdevops.api"
    label = "api"
    verbose_name = "API"
