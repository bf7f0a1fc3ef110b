"""Files picked in a form: uploaded and checked, referenced from the process, readable only by who may see
a task of that process."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from bizdevops.engine.state.models import UserTask, Variable
from forms.models import StoredFile
from tests.tasklist.conftest import APPLICATION

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, name: str, content: bytes):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/tasks/api/uploads", {"file": SimpleUploadedFile(name, content)})


def test_uploaded_id_document_reaches_the_reviewer(demo_process, make_user, underwriter, outsider) -> None:  # type: ignore[no-untyped-def]
    applicant = make_user("app", "Employee")
    client = as_user(applicant)
    # given an uploaded PDF
    response = upload(client, "신분증.pdf", PDF)
    assert response.status_code == 201
    document_id = response.json()["documentId"]
    # when the process starts with it in the file picker field
    started = client.post(
        "/tasks/api/start/simple_insurance_enrolment",
        data=json.dumps({"data": {**APPLICATION, "idDocument": [document_id]}}),
        content_type="application/json",
    )
    assert started.status_code == 201
    key = int(started.json()["processInstanceKey"])
    reference = Variable.objects.get(process_instance_key=key, name="idDocument").value
    assert reference[0]["documentId"] == document_id
    assert reference[0]["metadata"]["contentType"] == "application/pdf"
    # then the underwriter sees and downloads it; an analyst cannot
    review = UserTask.objects.get(process_instance_key=key)
    page = as_user(underwriter).get(f"/tasks/{review.key}/").content.decode()
    assert "신분증.pdf" in page
    download = as_user(underwriter).get(f"/tasks/api/documents/{document_id}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert as_user(outsider).get(f"/tasks/api/documents/{document_id}").status_code == 404


def test_someone_elses_upload_cannot_be_attached(demo_process, make_user, underwriter) -> None:  # type: ignore[no-untyped-def]
    theirs = upload(as_user(underwriter), "a.pdf", PDF).json()["documentId"]
    client = as_user(make_user("app", "Employee"))
    response = client.post(
        "/tasks/api/start/simple_insurance_enrolment",
        data=json.dumps({"data": {**APPLICATION, "idDocument": [theirs]}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["fieldErrors"] == {"idDocument": "An uploaded file was not found."}
    assert not UserTask.objects.exists()


def test_refused_upload_stores_nothing(underwriter) -> None:  # type: ignore[no-untyped-def]
    response = upload(as_user(underwriter), "x.html", b"<html><script>alert(1)</script></html>")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert not StoredFile.objects.exists()
