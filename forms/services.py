"""Writes of the forms app: storing uploaded files after checking their size and real type."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forms.models import DocumentAttachment, StoredFile
from forms.validation import accepts

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Types a file picker may upload, by the type its first bytes show (not the type the browser claims).
ALLOWED_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)
_OOXML = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@dataclass(frozen=True)
class UploadRejected(Exception):
    """An upload was refused; the message is safe to show and nothing was stored."""

    message: str

    def __str__(self) -> str:
        return self.message


def sniff_content_type(head: bytes, file_name: str) -> str:
    """The content type the file's first bytes prove; `application/octet-stream` when unknown."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
        return _OOXML.get(suffix, "application/zip")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character cut at the end of the sniffed block is still text.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
    if "\x00" in text or text.lstrip().lower().startswith(("<!doctype html", "<html", "<script", "<svg")):
        return "application/octet-stream"
    return "text/csv" if file_name.lower().endswith(".csv") else "text/plain"


def max_upload_bytes() -> int:
    return int(getattr(settings, "FORMS_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


@transaction.atomic
def store_upload(*, user: AbstractBaseUser, upload: UploadedFile, accept: str = "") -> StoredFile:
    """Store one uploaded file for `user` after checking size, real type and the picker's `accept` rule."""
    limit = max_upload_bytes()
    size = upload.size or 0
    if size == 0:
        raise UploadRejected(_("The file is empty."))
    if size > limit:
        raise UploadRejected(_("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)})
    file_name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    content_type = sniff_content_type(head, file_name)
    if content_type not in ALLOWED_TYPES:
        raise UploadRejected(_("This type of file is not allowed."))
    if accept and not accepts(accept, file_name, content_type):
        raise UploadRejected(_("File type %(type)s is not accepted.") % {"type": content_type})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = StoredFile(
        owner=user,
        file_name=file_name,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        created_at=timezone.now(),
    )
    stored.file.save(stored.pk.hex, upload, save=False)
    stored.save()
    return stored


def attach_documents(
    *, user: AbstractBaseUser, variables: dict[str, object], process_instance_key: int
) -> int:
    """Attach the files `user` uploaded and submitted in `variables` to the process instance (see
    DocumentAttachment); references to anyone else's files are ignored. Returns how many were attached."""
    import uuid

    from forms.selectors import document_refs

    ids = set()
    for ref in document_refs(variables):
        try:
            ids.add(uuid.UUID(ref["documentId"]))
        except ValueError:
            continue
    owned = StoredFile.objects.filter(pk__in=ids, owner=user).values_list("pk", flat=True)
    DocumentAttachment.objects.bulk_create(
        [DocumentAttachment(document_id=pk, process_instance_key=process_instance_key) for pk in owned],
        ignore_conflicts=True,
    )
    return len(owned)


def delete_unreferenced_uploads(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete uploads no process variable refers to once they are older than `older_than` (a form that was
    never submitted leaves its files behind). Returns how many were deleted."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from bizdevops.engine.state.models import Variable

    cutoff = timezone.now() - older_than
    deleted = 0
    for stored in StoredFile.objects.filter(created_at__lt=cutoff).iterator():
        referenced = (
            Variable.objects.annotate(text=Cast("value", TextField()))
            .filter(text__contains=str(stored.pk))
            .exists()
        )
        if referenced or stored.attachments.exists():
            continue
        stored.file.delete(save=False)
        stored.delete()
        deleted += 1
    return deleted
