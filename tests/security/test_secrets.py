"""Secrets: an API client's secret is shown once; secrets, tokens and password hashes never come back from an
endpoint, the OpenAPI document or the logs."""

from __future__ import annotations

import base64
import logging
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from bizdevops.identity.models import AccessToken, ApiClient
from bizdevops.identity.tokens import create_api_client
from tests.security.conftest import PASSWORD
from tests.security.engine_fixtures import deploy_target

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root-sec", "root@example.com", PASSWORD)


def test_client_secret_is_shown_once_in_the_admin(client: Client, superuser: User) -> None:
    # given an admin creates an API client in the Django admin
    client.force_login(superuser)
    created = client.post("/django-admin/identity/apiclient/add/", {"name": "Billing worker"}, follow=True)
    assert created.status_code == 200
    message = re.search(rb"secret, shown only now: ([A-Za-z0-9_\-]{20,})", created.content)
    assert message, created.content[:500]
    secret = message.group(1)
    api_client = ApiClient.objects.get(name="Billing worker")
    # then the stored value is a hash, not the secret
    assert secret.decode() not in api_client.secret_hash
    # and no later page shows the secret or its hash
    for url in (
        "/django-admin/identity/apiclient/",
        f"/django-admin/identity/apiclient/{api_client.pk}/change/",
        f"/django-admin/auth/user/{api_client.service_user.pk}/change/",
        "/django-admin/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert secret not in response.content, url
        assert api_client.secret_hash.encode() not in response.content, url


def _basic(username: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()


def test_tokens_and_secrets_stay_out_of_responses_storage_and_logs(caplog, role_user) -> None:  # type: ignore[no-untyped-def]
    # given an API client with a secret, and full debug logging
    caplog.set_level(logging.DEBUG)
    new = create_api_client(name="Worker", roles=["Developer"])
    api = APIClient()
    # when it gets a token (and a wrong secret is tried), then calls the API with the token
    wrong = api.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": new.client.client_id, "client_secret": "guess-123"},
    )
    issued = api.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": new.client.client_id,
            "client_secret": new.client_secret,
        },
    )
    assert wrong.status_code == 401
    assert b"guess-123" not in wrong.content
    token = issued.json()["access_token"]
    assert issued["Cache-Control"] == "no-store"
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.post("/v2/process-instances/search", {}, format="json").status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}x")
    assert api.post("/v2/process-instances/search", {}, format="json").status_code == 401
    # then only the token's hash is stored, and no log line carries the token or a secret
    assert not AccessToken.objects.filter(token_hash=token).exists()
    logged = "\n".join(record.getMessage() + repr(record.args) for record in caplog.records)
    for secret in (token, new.client_secret, "guess-123", new.client.secret_hash):
        assert secret not in logged


def test_openapi_document_holds_no_secrets(role_user) -> None:  # type: ignore[no-untyped-def]
    from django.conf import settings

    user = role_user("Developer")
    new = create_api_client(name="Worker", roles=["Developer"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=_basic(user.username))
    response = api.get("/v2/api-docs/openapi.json")
    if response.status_code == 401:
        response = APIClient().get("/v2/api-docs/openapi.json")
    assert response.status_code == 200
    text = response.content.decode()
    for secret in (new.client_secret, new.client.secret_hash, settings.SECRET_KEY, user.password):
        assert secret not in text
    assert "secret_hash" not in text
    assert "token_hash" not in text


def test_password_hashes_are_never_serialized(client: Client, role_user) -> None:  # type: ignore[no-untyped-def]
    # given users with password hashes and a task the admin may assign to them
    target = deploy_target()
    admin = role_user("Admin")
    victim = role_user("Employee", username="victim")
    client.force_login(admin)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=_basic(admin.username))
    responses = [
        client.get("/tasks/"),
        client.get(f"/tasks/{target.task.key}/"),
        client.get(f"/tasks/api/tasks/{target.task.key}"),
        client.get("/tasks/api/list?state=ALL"),
        client.get("/modeler/"),
        client.get("/manage/"),
        client.get("/operate/"),
        api.post("/v2/user-tasks/search", {}, format="json"),
        api.get(f"/v2/user-tasks/{target.task.key}"),
        api.post("/v2/variables/search", {}, format="json"),
        api.get("/v2/topology"),
    ]
    for response in responses:
        assert response.status_code == 200
        for user in (admin, victim):
            assert user.password.encode() not in response.content
            assert user.password.split("$")[-1].encode() not in response.content
