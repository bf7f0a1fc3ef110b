"""One place that maps a request to a project object and checks the user's role on it.

Unknown objects and objects the user may not read answer 404 alike (no probing for ids); a readable object
without the needed permission answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from modeler import selectors
from modeler.models import Comment, FileVersion, Folder, ModelFile, Project


@dataclass(frozen=True)
class Denied(Exception):
    """The request may not go on; `status` is 401, 403 or 404."""

    status: int
    message: str


def _check(user: AbstractBaseUser, project: Project, codename: str) -> None:
    if not user.is_authenticated:
        raise Denied(401, _("Log in first."))
    if not selectors.has_project_perm(user=user, project=project, codename="view_project_files"):
        raise Denied(404, _("Not found."))
    if not selectors.has_project_perm(user=user, project=project, codename=codename):
        messages = {
            "edit_project": _("You may read this project but not change it."),
            "comment_project": _("You may read this project but not comment on it."),
            "manage_project": _("Only the project's owners may do this."),
        }
        raise Denied(403, messages.get(codename, _("Not allowed.")))


def project_for(user: AbstractBaseUser, pk: int, codename: str = "view_project_files") -> Project:
    project = Project.objects.filter(pk=pk).first()
    if project is None:
        raise Denied(404, _("Not found."))
    _check(user, project, codename)
    return project


def file_for(user: AbstractBaseUser, pk: int, codename: str = "view_project_files") -> ModelFile:
    model_file = ModelFile.objects.select_related("project", "folder").filter(pk=pk).first()
    if model_file is None:
        raise Denied(404, _("No file with id %(pk)s.") % {"pk": pk})
    _check(user, model_file.project, codename)
    return model_file


def folder_for(user: AbstractBaseUser, pk: int, codename: str = "view_project_files") -> Folder:
    folder = Folder.objects.select_related("project").filter(pk=pk).first()
    if folder is None:
        raise Denied(404, _("Not found."))
    _check(user, folder.project, codename)
    return folder


def version_for(
    user: AbstractBaseUser, file_pk: int, pk: int, codename: str = "view_project_files"
) -> FileVersion:
    model_file = file_for(user, file_pk, codename)
    version = model_file.versions.filter(pk=pk).first()
    if version is None:
        raise Denied(404, _("No such version."))
    return version


def comment_for(user: AbstractBaseUser, file_pk: int, pk: int, codename: str = "comment_project") -> Comment:
    model_file = file_for(user, file_pk, codename)
    comment = model_file.comments.filter(pk=pk).first()
    if comment is None:
        raise Denied(404, _("No such comment."))
    return comment
