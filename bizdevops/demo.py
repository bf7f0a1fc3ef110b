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
    seed_insurance_demo(project=project, owner=owner)


# --- issue 7: the 간편보험 가입 demo process (Tasklist) -----------------------------------------------------

DEMO_FILES_DIR = __import__("pathlib").Path(__file__).resolve().parent / "demo_files"
# (file in demo_files/, name in the modeler project, kind)
INSURANCE_DEMO_FILES = (
    ("simple_insurance_enrolment.bpmn", "간편보험 가입", "bpmn"),
    ("risk_evaluation.dmn", "위험도 평가", "dmn"),
    ("insurance-application.form", "가입 신청서", "form"),
    ("underwriter-review.form", "언더라이터 심사", "form"),
    ("manager-approval.form", "관리자 승인", "form"),
)


def seed_insurance_demo(*, project: object, owner: User) -> None:
    """Put the demo process, its DMN table and its three forms in the demo project, and deploy them once.
    A file someone already edited in the modeler is left alone; the blank placeholder diagram is replaced."""
    import logging

    from modeler.models import ModelFile
    from modeler.services import check_content, new_bpmn_xml

    logger = logging.getLogger(__name__)
    blank = new_bpmn_xml(process_id="simple_insurance_enrolment", name="간편보험 가입")
    files = []
    for filename, name, kind in INSURANCE_DEMO_FILES:
        content = (DEMO_FILES_DIR / filename).read_text(encoding="utf-8")
        existing = ModelFile.objects.filter(project=project, name=name, kind=kind).first()
        if existing is None:
            existing = ModelFile.objects.create(
                project=project,
                name=name,
                kind=kind,
                content=content,
                element_id=check_content(kind=kind, content=content),
                created_by=owner,
                updated_by=owner,
            )
        elif existing.content == blank:
            existing.content = content
            existing.element_id = check_content(kind=kind, content=content)
            existing.revision += 1
            existing.save(update_fields=["content", "element_id", "revision", "updated_at"])
        files.append(existing)
    try:
        from bizdevops.engine.state.models import ProcessDefinition
    except ImportError:  # pragma: no cover - the engine ships with the platform
        return
    if ProcessDefinition.objects.filter(bpmn_process_id="simple_insurance_enrolment").exists():
        return
    try:
        from bizdevops.engine import services as engine_services

        with transaction.atomic():
            engine_services.deploy_resources(
                resources=[(f"{f.name}{_EXTENSIONS[f.kind]}", f.content.encode("utf-8")) for f in files],
                user=owner,
            )
    except Exception:  # noqa: BLE001 - the quickstart must come up even if the demo cannot be deployed
        logger.exception("The demo process could not be deployed; deploy it from the modeler.")


_EXTENSIONS = {"bpmn": ".bpmn", "dmn": ".dmn", "form": ".form"}
