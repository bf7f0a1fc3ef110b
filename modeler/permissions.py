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
        # The same answer as a file the user may not read (see _check): ids cannot be probed.
        raise Denied(404, _("Not found."))
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


# -- deploying and starting: the platform's capabilities on top of the project role ------------------------


def require_capability(user: AbstractBaseUser, capability: str) -> None:
    """403 unless the user's platform roles grant `capability` (the REST API's role → capability map,
    bizdevops.api.permissions, reused so the modeler can never grant more than the API)."""
    from bizdevops.api.permissions import Can, has

    if not has(user, Can(capability)):
        messages = {
            "deploy": _("Your roles do not allow deploying to the engine (Developers and Admins deploy)."),
            "start": _("Your roles do not allow starting process instances."),
        }
        raise Denied(403, messages.get(capability, _("Not allowed.")))


def may_deploy(user: AbstractBaseUser) -> bool:
    from bizdevops.api.permissions import Can, has

    return has(user, Can.DEPLOY)


def _is_admin(user: AbstractBaseUser) -> bool:
    from tasklist.selectors import is_admin

    return is_admin(user)


def require_id_ownership(user: AbstractBaseUser, project: Project, files: list[ModelFile]) -> None:
    """403 if the deploy would add a version to a process/decision/form id that belongs to someone else:
    deployed from a file of another modeler project the user may not edit, or through the API by another
    user. Admins may; ids nobody deployed yet, and unchanged files (same bytes keep their version), pass."""
    if _is_admin(user):
        return
    for model_file, kind, element_id in selectors.deployable_ids(files=files):
        owner = selectors.foreign_owner_of_id(
            user=user, project=project, model_file=model_file, kind=kind, element_id=element_id
        )
        if owner:
            raise Denied(
                403,
                _(
                    "The id “%(id)s” in “%(file)s” is already deployed by %(owner)s. Deploying would replace "
                    "their version; use another id, or ask them to share the project with you as an editor."
                )
                % {"id": element_id, "file": model_file.name, "owner": owner},
            )
