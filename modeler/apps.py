from django.apps import AppConfig


class ModelerConfig(AppConfig):
    """Projects, diagrams, versions, comments and deploy."""

    name = "modeler"
    label = "modeler"
    verbose_name = "Modeler"
