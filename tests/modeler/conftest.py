"""Fixtures: a project with one file of each kind, and users holding each role on it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, User

from modeler import services
from modeler.models import Comment, FileVersion, Folder, ModelFile, Project

ROLES = ("owner", "editor", "commenter", "viewer", "stranger")


@dataclass
class Workspace:
    project: Project
    folder: Folder
    bpmn: ModelFile
    dmn: ModelFile
    form: ModelFile
    version: FileVersion
    comment: Comment
    users: dict[str, User]


def _user(username: str) -> User:
    # No password: tests log in with force_login, and hashing six passwords per test is most of its time.
    # Developers, so deploy/start are decided by the project role here; tests of the platform capability
    # take the group away.
    user = User.objects.create(username=username)
    user.groups.add(Group.objects.get_or_create(name="Developer")[0])
    return user


@pytest.fixture
def workspace(db) -> Workspace:  # type: ignore[no-untyped-def]
    owner = _user("owner")
    project = services.create_project(name="Claims", owner=owner)
    users = {"owner": owner, "stranger": _user("stranger")}
    for role in ("editor", "commenter", "viewer"):
        users[role] = _user(role)
        services.share_project(project=project, grantee=users[role], role=role)
    folder = services.create_folder(project=project, name="Intake")
    bpmn = services.create_file(project=project, name="Claim", kind="bpmn", user=owner)
    dmn = services.create_file(project=project, name="Risk", kind="dmn", user=owner)
    form = services.create_file(project=project, name="Claim form", kind="form", user=owner)
    version = services.create_version(model_file=bpmn, name="First", user=owner)
    comment = services.add_comment(
        model_file=bpmn, author=owner, text="Looks good", element_id="StartEvent_1"
    )
    return Workspace(project, folder, bpmn, dmn, form, version, comment, users)
