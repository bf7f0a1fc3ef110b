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


class Folder(models.Model):
    """A folder inside a project; folders nest, and a file lives in at most one folder."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="folders")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ModelFile(models.Model):
    """One BPMN diagram, DMN decision model or form; `content` is the XML (or form JSON) as last saved."""

    class Kind(models.TextChoices):
        BPMN = "bpmn", "BPMN"
        DMN = "dmn", "DMN"
        FORM = "form", _("Form")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="files")
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE, null=True, blank=True, related_name="files")
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


class FileVersion(models.Model):
    """A named milestone: a frozen copy of a file's content; never changed after it is made."""

    file = models.ForeignKey(ModelFile, on_delete=models.CASCADE, related_name="versions")
    name = models.CharField(_("name"), max_length=200)
    content = models.TextField()
    revision = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class Comment(models.Model):
    """A comment on a file (element_id empty) or one of its elements; replies point to their thread root."""

    file = models.ForeignKey(ModelFile, on_delete=models.CASCADE, related_name="comments")
    element_id = models.CharField(max_length=255, blank=True, default="")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    # Stored already sanitized (nh3): the HTML is safe to insert into a page as is.
    body_html = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolved = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]


class Notification(models.Model):
    """Something a user should see, e.g. an @mention in a comment; read when the user opens it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="modeler_notifications"
    )
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notifications")
    read = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


class Deployment(models.Model):
    """What the modeler last deployed of a file, so a new deploy can say what changes."""

    file = models.ForeignKey(ModelFile, on_delete=models.CASCADE, related_name="deployments")
    content_hash = models.CharField(max_length=64)
    engine_key = models.CharField(max_length=64, blank=True, default="")
    deployed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deployed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deployed_at", "-pk"]
