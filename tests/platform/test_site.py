"""The base site: login, navigation, language switch, health check, settings."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from bizdevops.identity.services import DEMO_USERS, ROLES


def test_anonymous_user_is_sent_to_login(client: Client, db) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_and_logout(client: Client, analyst) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/login/", {"username": "ana", "password": "pw-for-tests-123"})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    for section in ("modeler", "tasklist", "operate", "optimize", "admin"):
        assert f'data-nav="{section}"'.encode() in home.content
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_shows_message(client: Client, analyst) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/login/", {"username": "ana", "password": "wrong"})
    assert response.status_code == 200
    assert b"didn&#x27;t match" in response.content or b"didn't match" in response.content


@pytest.mark.parametrize("path", ["/operate/", "/optimize/", "/manage/"])
def test_unbuilt_sections_say_so(client: Client, analyst, path: str) -> None:  # type: ignore[no-untyped-def]
    client.force_login(analyst)
    response = client.get(path)
    assert response.status_code == 200
    assert b'data-testid="not-built"' in response.content


def test_language_switch_to_korean(client: Client, analyst) -> None:  # type: ignore[no-untyped-def]
    client.force_login(analyst)
    response = client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    assert response.status_code == 302
    page = client.get("/")
    assert '<html lang="ko">' in page.content.decode()
    assert "모델러" in page.content.decode()


def test_seed_demo_creates_a_user_per_role(db) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth import authenticate
    from django.contrib.auth.models import Group

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # idempotent
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    for demo in DEMO_USERS:
        user = authenticate(username=demo.username, password=demo.password)
        assert user is not None, demo.username
        assert set(user.groups.values_list("name", flat=True)) == set(demo.groups)
    assert authenticate(username="demo", password="demo").is_superuser


def test_healthz_reports_database_broker_and_worker(client: Client, db) -> None:  # type: ignore[no-untyped-def]
    # No Celery worker runs during unit tests: the check must say so with 503, naming each part.
    response = client.get("/healthz")
    body = response.json()
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["broker"]["status"] == "up"
    assert body["checks"]["worker"]["status"] == "down"
    assert response.status_code == 503
