"""Reads of the forms app."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from forms.models import StoredFile
from forms.validation import FileResolver, StoredFileInfo


def get_stored_file(*, document_id: str, user: AbstractBaseUser | None = None) -> StoredFile | None:
    """The stored file with this id (uploaded by `user` when given), or None."""
    try:
        pk = uuid.UUID(str(document_id))
    except ValueError:
        return None
    queryset = StoredFile.objects.filter(pk=pk)
    if user is not None:
        queryset = queryset.filter(owner=user)
    return queryset.first()


def document_refs(value: Any) -> list[dict[str, Any]]:
    """The Camunda document references (`{"camunda.document.type": "camunda", "documentId": …}`) in a value."""
    if isinstance(value, dict):
        if value.get("camunda.document.type") == "camunda" and isinstance(value.get("documentId"), str):
            return [value]
        return [ref for item in value.values() for ref in document_refs(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in document_refs(item)]
    return []


def file_resolver_for(user: AbstractBaseUser) -> FileResolver:
    """A resolver for validate_submission that only sees files this user uploaded."""

    def resolve(document_id: str) -> StoredFileInfo | None:
        stored = get_stored_file(document_id=document_id, user=user)
        if stored is None:
            return None
        return StoredFileInfo(
            document_id=str(stored.pk),
            file_name=stored.file_name,
            content_type=stored.content_type,
            size=stored.size,
        )

    return resolve
