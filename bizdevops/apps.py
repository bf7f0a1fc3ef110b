from django.apps import AppConfig


class BizDevOpsConfig(AppConfig):
    """The platform core app: base templates, health check, demo data, quickstart."""

    name = "bizdevops"
    verbose_name = "BizDevOps"

    def ready(self) -> None:
        # Make `shared_task` bind to our app in every process that loads Django.
        from bizdevops.celery import app  # noqa: F401
