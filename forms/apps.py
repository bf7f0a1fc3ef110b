from django.apps import AppConfig


class FormsConfig(AppConfig):
    """Form definitions and server-side validation."""

    name = "forms"
    label = "forms"
    verbose_name = "Forms"
