"""The API framework: auth (Basic, OAuth client credentials), problem+json errors, topology, clock."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from bizdevops.identity.models import AccessToken
from bizdevops.identity.tokens import create_api_client, revoke_api_client
from tests.api.conftest import basic

pytestmark = pytest.mark.django_db


def test_unauthenticated_call_is_a_401_problem() -> None:
    # given no credentials
    client = APIClient()
    # when
    response = client.get("/v2/topology")
    # then
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"].startswith("Basic")


def test_wrong_password_is_rejected(make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("kim", "Developer")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic("kim", "wrong"))
    assert client.get("/v2/topology").status_code == 401


def test_password_change_invalidates_cached_basic_credentials(make_user) -> None:  # type: ignore[no-untyped-def]
    # given a user whose Basic credentials were verified (and cached)
    user = make_user("lee", "Developer")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic("lee"))
    assert client.get("/v2/topology").status_code == 200
    # when the password changes
    user.set_password("another-password-456")
    user.save()
    # then the old credentials no longer work
    assert client.get("/v2/topology").status_code == 401


def test_topology_has_every_field_the_sdk_requires(admin_api) -> None:  # type: ignore[no-untyped-def]
    data = admin_api.get("/v2/topology").json()
    assert {
        "brokers",
        "clusterId",
        "clusterSize",
        "partitionsCount",
        "replicationFactor",
        "gatewayVersion",
    } <= set(data)
    broker = data["brokers"][0]
    assert {"nodeId", "brokerId", "host", "port", "version", "partitions"} <= set(broker)
    assert broker["partitions"][0]["state"] == "active"


def test_unknown_path_is_a_404_problem(admin_api) -> None:  # type: ignore[no-untyped-def]
    response = admin_api.get("/v2/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "NOT_FOUND"


def test_malformed_json_is_a_400_problem(admin_api) -> None:  # type: ignore[no-untyped-def]
    response = admin_api.put("/v2/clock", data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_client_credentials_token_authenticates_as_the_client(admin_api) -> None:  # type: ignore[no-untyped-def]
    # given an API client with the Developer role
    new = create_api_client(name="worker", roles=["Developer"])
    # when it asks for a token with the form-encoded grant, as the SDK does
    anonymous = APIClient()
    form = urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": new.client.client_id,
            "client_secret": new.client_secret,
            "audience": "zeebe-api",
        }
    )
    response = anonymous.post("/oauth/token", form, content_type="application/x-www-form-urlencoded")
    # then it gets a bearer token that works for API calls
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] > 60
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
    assert anonymous.get("/v2/topology").status_code == 200
    # and only a hash of it is stored
    assert not AccessToken.objects.filter(token_hash=token["access_token"]).exists()
    assert new.client_secret not in new.client.secret_hash


def test_wrong_client_secret_gets_no_token() -> None:
    new = create_api_client(name="worker", roles=["Developer"])
    response = APIClient().post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": new.client.client_id, "client_secret": "guess"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert AccessToken.objects.count() == 0


def test_revoked_client_token_stops_working() -> None:
    new = create_api_client(name="worker", roles=["Developer"])
    client = APIClient()
    token = client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": new.client.client_id,
            "client_secret": new.client_secret,
        },
    ).json()["access_token"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    revoke_api_client(client=new.client)
    assert client.get("/v2/topology").status_code == 401


def test_bogus_bearer_token_is_rejected() -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get("/v2/topology").status_code == 401


@override_settings(BIZDEVOPS_TOKEN_RATE="3/minute")
def test_token_endpoint_is_rate_limited() -> None:
    client = APIClient()
    statuses = [
        client.post(
            "/oauth/token", {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


@override_settings(BIZDEVOPS_CLOCK_API=False)
def test_clock_is_forbidden_when_disabled(admin_api) -> None:  # type: ignore[no-untyped-def]
    response = admin_api.put("/v2/clock", {"timestamp": 1_700_000_000_000}, format="json")
    assert response.status_code == 403
    assert "disabled" in response.json()["detail"]
    assert admin_api.post("/v2/clock/reset").status_code == 403


@pytest.mark.parametrize("role", ["Developer", "Operator", "Analyst", "Employee"])
def test_clock_needs_the_admin_role(api, role) -> None:  # type: ignore[no-untyped-def]
    assert api(role).put("/v2/clock", {"timestamp": 1_700_000_000_000}, format="json").status_code == 403


def test_session_authenticated_unsafe_call_needs_csrf(make_user) -> None:  # type: ignore[no-untyped-def]
    # given a browser session (logged in, no CSRF token sent)
    make_user("boss", "Admin")
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="boss", password="pw-for-tests-123")
    # when it makes an unsafe call
    response = client.post("/v2/clock/reset")
    # then CSRF protection refuses it, while a safe call works
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert client.get("/v2/topology").status_code == 200


def test_openapi_document_is_served() -> None:
    response = APIClient().get("/v2/api-docs/openapi.json")
    assert response.status_code == 200
    assert "/v2/topology" in response.content.decode()


def test_create_api_client_command_prints_the_secret_once(capsys) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    from bizdevops.identity.models import ApiClient

    call_command("create_api_client", "ci-worker", "--role", "Operator")
    out = capsys.readouterr().out
    client_id = out.split("CAMUNDA_CLIENT_ID=")[1].split()[0]
    secret = out.split("CAMUNDA_CLIENT_SECRET=")[1].split()[0]
    client = ApiClient.objects.get(client_id=client_id)
    assert secret not in client.secret_hash
    assert list(client.service_user.groups.values_list("name", flat=True)) == ["Operator"]


def test_swagger_ui_is_served() -> None:
    response = APIClient().get("/v2/api-docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
