"""Writes of the modeler: creating and saving model files. Views call these, never the ORM directly."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from guardian.shortcuts import assign_perm

from bizdevops.xmlsafe import XmlProblem, parse_xml
from modeler.models import ModelFile, Project

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
MODELER_NS = "http://camunda.org/schema/modeler/1.0"
EXECUTION_PLATFORM_VERSION = "8.8.0"

OWNER_PERMISSIONS = ("view_project_files", "comment_project", "edit_project", "manage_project")


@dataclass(frozen=True)
class FileRejected(Exception):
    """A file's content was refused; the message is safe to show and nothing was saved."""

    message: str

    def __str__(self) -> str:
        return self.message


def new_bpmn_xml(*, process_id: str, name: str) -> str:
    """The XML of a new, empty Camunda 8 diagram: one start event, ready for the zeebe properties panel."""
    from xml.sax.saxutils import quoteattr

    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" \
xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" \
xmlns:modeler="{MODELER_NS}" id="Definitions_{process_id}" targetNamespace="http://bpmn.io/schema/bpmn" \
exporter="BizDevOps" exporterVersion="0.1.0" modeler:executionPlatform="Camunda Cloud" \
modeler:executionPlatformVersion="{EXECUTION_PLATFORM_VERSION}">
  <bpmn:process id="{process_id}" name={quoteattr(name)} isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{process_id}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def check_bpmn(content: str) -> str:
    """Parse BPMN XML with the hardened parser; return the first process id or raise FileRejected."""
    try:
        root = parse_xml(content)
    except XmlProblem as exc:
        raise FileRejected(str(exc)) from None
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise FileRejected("This is not a BPMN 2.0 file: the root element must be bpmn:definitions.")
    process = root.find(f"{{{BPMN_NS}}}process")
    return process.get("id", "") if process is not None else ""


def get_or_create_personal_project(*, user: AbstractBaseUser) -> Project:
    """Every user has a personal project to start in."""
    project = Project.objects.filter(owner=user, name="Personal").first()
    if project is None:
        project = create_project(name="Personal", owner=user)
    return project


@transaction.atomic
def create_project(*, name: str, owner: AbstractBaseUser) -> Project:
    """Create a project; its owner gets every permission on it."""
    project = Project.objects.create(name=name, owner=owner)
    for codename in OWNER_PERMISSIONS:
        assign_perm(f"modeler.{codename}", owner, project)
    return project


def _slug_id(name: str) -> str:
    import re
    import uuid

    base = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "Process"
    if not (base[0].isalpha() or base[0] == "_"):
        base = f"Process_{base}"
    return f"{base[:40]}_{uuid.uuid4().hex[:7]}"


@transaction.atomic
def create_bpmn_file(*, project: Project, name: str, user: AbstractBaseUser) -> ModelFile:
    """A new diagram from the Camunda 8 template."""
    name = name.strip() or "New diagram"
    process_id = _slug_id(name)
    content = new_bpmn_xml(process_id=process_id, name=name)
    return ModelFile.objects.create(
        project=project,
        name=name,
        kind=ModelFile.Kind.BPMN,
        content=content,
        element_id=process_id,
        created_by=user,
        updated_by=user,
    )


@transaction.atomic
def save_file_content(
    *, model_file: ModelFile, content: str, user: AbstractBaseUser, base_revision: int | None = None
) -> ModelFile:
    """Store new content after parsing it; a refused file or a stale revision changes nothing."""
    if model_file.kind == ModelFile.Kind.BPMN:
        element_id = check_bpmn(content)
    else:
        raise FileRejected(f"Saving {model_file.get_kind_display()} files is not supported yet.")
    locked = ModelFile.objects.select_for_update().get(pk=model_file.pk)
    if base_revision is not None and base_revision != locked.revision:
        raise FileConflict(locked.revision)
    locked.content = content
    locked.element_id = element_id
    locked.revision += 1
    locked.updated_by = user
    locked.save(update_fields=["content", "element_id", "revision", "updated_by", "updated_at"])
    return locked


@dataclass(frozen=True)
class FileConflict(Exception):
    """Someone saved the file since this editor loaded it."""

    current_revision: int

    def __str__(self) -> str:
        return (
            f"The file was changed by someone else (now revision {self.current_revision}). "
            "Reload to see their changes; your version is still in the editor."
        )
