"""Authentication edges: revoked clients and deactivated users lose access at once, login resists session
fixation and open redirects, and API 404s give no existence oracle."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from rest_framework.test import APIClient

from bizdevops.identity.tokens import create_api_client, revoke_api_client
from tests.security.conftest import PASSWORD
from tests.security.engine_fixtures import deploy_target

pytestmark = pytest.mark.django_db


def _basic(username: str, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_revoked_client_token_stops_working_at_once() -> None:
    new = create_api_client(name="Worker", roles=["Developer"])
    api = APIClient()
    token = api.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": new.client.client_id,
            "client_secret": new.client_secret,
        },
    ).json()["access_token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/v2/topology").status_code == 200
    revoke_api_client(client=new.client)
    assert api.get("/v2/topology").status_code == 401
    # and the secret no longer buys a new token
    again = APIClient().post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": new.client.client_id,
            "client_secret": new.client_secret,
        },
    )
    assert again.status_code == 401


def test_service_users_cannot_log_in_with_a_password() -> None:
    new = create_api_client(name="Worker", roles=["Developer"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=_basic(new.client.service_user.username, new.client_secret))
    assert api.get("/v2/topology").status_code == 401


def test_deactivated_user_and_changed_password_lose_basic_access_at_once(role_user) -> None:  # type: ignore[no-untyped-def]
    # given a user whose Basic credentials were just accepted (and cached)
    user = role_user("Developer")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=_basic(user.username))
    assert api.get("/v2/topology").status_code == 200
    # when the password changes, then the old one stops working
    user.set_password("a-new-password-456")
    user.save()
    assert api.get("/v2/topology").status_code == 401
    # when the account is deactivated, then the new one does not work either
    api.credentials(HTTP_AUTHORIZATION=_basic(user.username, "a-new-password-456"))
    assert api.get("/v2/topology").status_code == 200
    user.is_active = False
    user.save()
    assert api.get("/v2/topology").status_code == 401


def test_login_rotates_the_session_and_ignores_foreign_next(role_user) -> None:  # type: ignore[no-untyped-def]
    user = role_user("Employee")
    client = Client()
    client.get("/login/")
    client.session.save()
    before = client.session.session_key
    response = client.post(
        "/login/?next=https://evil.example/phish", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")
    assert not response["Location"].startswith("//")
    assert client.session.session_key != before
    switched = client.post("/i18n/setlang/", {"language": "ko", "next": "https://evil.example/"})
    assert "evil.example" not in switched.get("Location", "")


def test_api_404_for_invisible_and_missing_tasks_alike(role_user) -> None:  # type: ignore[no-untyped-def]
    target = deploy_target()
    user = role_user("Employee")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=_basic(user.username))
    missing = target.task.key + 987_654
    answers = [api.get(f"/v2/user-tasks/{key}").json() for key in (target.task.key, missing)]
    for answer, key in zip(answers, (target.task.key, missing), strict=True):
        answer["detail"] = answer["detail"].replace(str(key), "KEY")
        answer.pop("instance", None)
    assert answers[0] == answers[1]
