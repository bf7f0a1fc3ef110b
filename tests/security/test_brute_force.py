"""Brute force: the OAuth token endpoint is rate limited; password guessing on login and HTTP Basic."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from rest_framework.test import APIClient

from bizdevops.identity.tokens import create_api_client
from tests.security.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_endpoint_is_rate_limited_per_address(settings) -> None:
    # given a small rate so the test stays fast (production default: 60/minute)
    settings.BIZDEVOPS_TOKEN_RATE = "5/minute"
    new = create_api_client(name="Worker", roles=["Developer"])
    api = APIClient()
    guesses = [
        api.post(
            "/oauth/token",
            {"grant_type": "client_credentials", "client_id": new.client.client_id, "client_secret": f"g{i}"},
        ).status_code
        for i in range(5)
    ]
    # when the sixth request comes, even with the right secret
    sixth = api.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": new.client.client_id,
            "client_secret": new.client_secret,
        },
    )
    # then it is throttled with 429 and Retry-After, and no token is issued
    assert guesses == [401] * 5
    assert sixth.status_code == 429
    assert "Retry-After" in sixth
    assert "access_token" not in sixth.json()


def test_the_default_token_rate_is_finite() -> None:
    from bizdevops.identity.views import TokenThrottle

    count, _period = TokenThrottle().parse_rate(TokenThrottle().get_rate())
    assert count is not None
    assert count <= 120


def test_login_locks_out_after_repeated_failures(make_user) -> None:  # type: ignore[no-untyped-def]
    # given a user, and an attacker guessing their password 20 times
    make_user("target", "Employee", password=PASSWORD)
    client = Client()
    for i in range(20):
        assert client.post("/login/", {"username": "target", "password": f"guess-{i}"}).status_code == 200
    # when the right password finally comes from the same address
    response = client.post("/login/", {"username": "target", "password": PASSWORD})
    # then the account (or address) is locked for a while: no session is created
    assert response.status_code in (403, 429) or "_auth_user_id" not in client.session


def test_basic_auth_guessing_is_throttled(make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("target", "Developer", password=PASSWORD)
    api = APIClient()
    statuses = []
    for i in range(30):
        api.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"target:guess-{i}".encode()).decode())
        statuses.append(api.get("/v2/topology").status_code)
    assert 429 in statuses
