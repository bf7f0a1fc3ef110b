"""Variables a form refers to, and uploads checked for size and real type before they are stored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forms import selectors, services
from forms.models import StoredFile
from forms.schema import referenced_variables


def test_referenced_variables_cover_keys_paths_options_and_expressions() -> None:
    schema = {
        "components": [
            {"type": "textfield", "key": "applicant.name"},
            {"type": "select", "key": "product", "valuesKey": "products"},
            {"type": "radio", "key": "size", "valuesExpression": "=for s in sizes return s"},
            {"type": "text", "text": 'Premium: {{ premium * rate }} for "quoted name"'},
            {"type": "number", "key": "n", "conditional": {"hide": '=risk = "low" and count(items) > 0'}},
            {"type": "group", "path": "address", "components": [{"type": "textfield", "key": "city"}]},
            {"type": "dynamiclist", "path": "rows", "components": [{"type": "textfield", "key": "cell"}]},
            {"type": "table", "dataSource": "history"},
        ]
    }
    assert referenced_variables(schema) == {
        "applicant", "product", "products", "size", "sizes", "premium", "rate", "n", "risk", "items",
        "address", "rows", "history",
    }  # fmt: skip


PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def test_upload_is_stored_with_its_sniffed_type(employee, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    # given a PDF the browser calls an image
    upload = SimpleUploadedFile("../../etc/id card.pdf", PDF, content_type="image/png")
    # when stored
    stored = services.store_upload(user=employee, upload=upload, accept=".pdf")
    # then the type is the real one, the name has no path and the bytes are on disk
    assert stored.content_type == "application/pdf"
    assert stored.file_name == "id card.pdf"
    assert stored.file.read() == PDF
    assert selectors.file_resolver_for(employee)(str(stored.pk)).size == len(PDF)  # type: ignore[union-attr]


def test_other_users_cannot_resolve_an_upload(employee, make_user, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    stored = services.store_upload(user=employee, upload=SimpleUploadedFile("a.png", PNG))
    other = make_user("lee", "Employee")
    assert selectors.file_resolver_for(other)(str(stored.pk)) is None
    assert selectors.file_resolver_for(employee)("not-a-uuid") is None


@pytest.mark.parametrize(
    ("name", "content", "accept", "message"),
    [
        ("empty.txt", b"", "", "The file is empty."),
        (
            "run.exe",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",
            "",
            "This type of file is not allowed.",
        ),
        ("page.html", b"<!DOCTYPE html><script>alert(1)</script>", "", "This type of file is not allowed."),
        ("photo.png", PNG, ".pdf", "File type image/png is not accepted."),
    ],
)
def test_refused_uploads_store_nothing(employee, settings, tmp_path, name, content, accept, message) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(services.UploadRejected) as caught:
        services.store_upload(user=employee, upload=SimpleUploadedFile(name, content), accept=accept)
    assert caught.value.message == message
    assert StoredFile.objects.count() == 0
    assert not any(tmp_path.rglob("*.*"))


def test_oversized_upload_is_refused(employee, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    settings.FORMS_MAX_UPLOAD_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1))
    with pytest.raises(services.UploadRejected, match="larger than 1 MB"):
        services.store_upload(user=employee, upload=upload)
    assert StoredFile.objects.count() == 0


def test_unreferenced_old_uploads_are_deleted(employee, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.utils import timezone

    from bizdevops.engine.state.models import Variable

    settings.MEDIA_ROOT = tmp_path
    kept = services.store_upload(user=employee, upload=SimpleUploadedFile("a.pdf", PDF))
    orphan = services.store_upload(user=employee, upload=SimpleUploadedFile("b.pdf", PDF))
    fresh = services.store_upload(user=employee, upload=SimpleUploadedFile("c.pdf", PDF))
    StoredFile.objects.filter(pk__in=[kept.pk, orphan.pk]).update(
        created_at=timezone.now() - dt.timedelta(days=2)
    )
    Variable.objects.create(
        key=1, scope_key=9, name="doc", value=[{"documentId": str(kept.pk)}], process_instance_key=9
    )
    assert services.delete_unreferenced_uploads(older_than=dt.timedelta(days=1)) == 1
    assert set(StoredFile.objects.values_list("pk", flat=True)) == {kept.pk, fresh.pk}
    assert not (tmp_path / orphan.file.name).exists()
    assert (tmp_path / kept.file.name).exists()
