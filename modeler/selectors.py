"""Reads of the modeler, always filtered by what the user may see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from modeler.models import ModelFile, Project


def list_projects(*, user: AbstractBaseUser) -> QuerySet[Project]:
    """Projects the user may read."""
    return get_objects_for_user(user, "modeler.view_project_files", klass=Project, accept_global_perms=False)


def list_files(*, user: AbstractBaseUser) -> QuerySet[ModelFile]:
    """Files of every project the user may read, newest first."""
    return ModelFile.objects.filter(project__in=list_projects(user=user)).select_related(
        "project", "updated_by"
    )


def get_file(*, user: AbstractBaseUser, pk: int) -> ModelFile | None:
    """The file if it exists and the user may read it, else None (callers answer 404 either way)."""
    return list_files(user=user).filter(pk=pk).first()


def can_edit(*, user: AbstractBaseUser, model_file: ModelFile) -> bool:
    return bool(user.has_perm("modeler.edit_project", model_file.project))
