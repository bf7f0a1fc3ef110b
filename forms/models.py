"""Files uploaded through form-js file pickers, stored until the form that references them is submitted."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _upload_to(instance: StoredFile, filename: str) -> str:
    # The stored name never uses the client's file name: no path tricks, no collisions.
    return f"form-uploads/{instance.created_at:%Y/%m}/{instance.pk.hex}"


class StoredFile(models.Model):
    """One uploaded file; `pk` is the document id a submitted form refers to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=_upload_to, max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return self.file_name


class DocumentAttachment(models.Model):
    """A stored file its uploader submitted into a process instance: who may see a task of that instance (or
    of its called children) may download it. Naming a document id in variables by other means (the REST
    API, a script) attaches nothing, so knowing someone else's id grants nothing."""

    document = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="attachments")
    process_instance_key = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "process_instance_key"], name="forms_attachment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.process_instance_key}"
