from django.apps import AppConfig


class IdentityConfig(AppConfig):
    """Users, groups, roles and object permissions."""

    name = "bizdevops.identity"
    label = "identity"
    verbose_name = "Identity"
