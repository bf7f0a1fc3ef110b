"""Projects and the model files (BPMN, DMN, forms) analysts design in the browser."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Project(models.Model):
    """A shared workspace of model files; access is granted per project (owner, editor, commenter, viewer)."""

    name = models.CharField(_("name"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_projects"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        permissions = [
            ("view_project_files", "Can read the project's files"),
            ("comment_project", "Can comment on the project's files"),
            ("edit_project", "Can change the project's files"),
            ("manage_project", "Can share and delete the project"),
        ]

    def __str__(self) -> str:
        return self.name


class ModelFile(models.Model):
    """One BPMN diagram, DMN decision model or form; `content` is the XML (or form JSON) as last saved."""

    class Kind(models.TextChoices):
        BPMN = "bpmn", "BPMN"
        DMN = "dmn", "DMN"
        FORM = "form", _("Form")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    content = models.TextField()
    # Identifiers read out of the content (process id, decision id, form id), for linking files to each other.
    element_id = models.CharField(max_length=255, blank=True, default="")
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "pk"]
        indexes = [models.Index(fields=["project", "kind"])]

    def __str__(self) -> str:
        return self.name
