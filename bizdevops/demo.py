"""Demo content for the quickstart: a demo project with a demo process. Extended as features land."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

DEMO_PROJECT = "Demo: 간편보험 가입"


@transaction.atomic
def seed_demo_content() -> None:
    """Create the demo project and its files once (idempotent)."""
    from modeler.models import ModelFile, Project
    from modeler.services import create_project, new_bpmn_xml

    owner = User.objects.get(username="demo")
    project = Project.objects.filter(name=DEMO_PROJECT).first() or create_project(
        name=DEMO_PROJECT, owner=owner
    )
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    for group_name in ("Analyst", "Developer", "Admin"):
        group = Group.objects.get(name=group_name)
        for codename in ("view_project_files", "comment_project", "edit_project"):
            assign_perm(f"modeler.{codename}", group, project)
    if not project.files.filter(name="간편보험 가입").exists():
        ModelFile.objects.create(
            project=project,
            name="간편보험 가입",
            kind=ModelFile.Kind.BPMN,
            content=new_bpmn_xml(process_id="simple_insurance_enrolment", name="간편보험 가입"),
            element_id="simple_insurance_enrolment",
            created_by=owner,
            updated_by=owner,
        )
