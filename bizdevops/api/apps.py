from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The public REST API (Camunda 8 v2 compatible)."""

    name = "bizdevops.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from bizdevops.api import jobwake, schema  # noqa: F401  (registers the OpenAPI auth extensions)

        jobwake.install()
