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
