"""Password guessing: after LOGIN_FAILURE_LIMIT failures a username is locked from that address for a while."""

from __future__ import annotations

import base64

from django.test import Client

from bizdevops.identity.lockout import FAILURE_LIMIT


def test_login_page_locks_after_repeated_failures_even_for_the_right_password(make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("target", "Employee", password="right-password-123")
    client = Client()
    for i in range(FAILURE_LIMIT):
        response = client.post("/login/", {"username": "target", "password": f"guess-{i}"})
        assert "didn&#x27;t match" in response.content.decode()
    response = client.post("/login/", {"username": "target", "password": "right-password-123"})
    assert "_auth_user_id" not in client.session
    assert "Too many failed attempts" in response.content.decode()


def test_other_addresses_and_users_are_not_locked(make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("target", "Employee", password="right-password-123")
    make_user("other", "Employee", password="right-password-456")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for i in range(FAILURE_LIMIT):
        attacker.post("/login/", {"username": "target", "password": f"guess-{i}"})
    victim = Client(REMOTE_ADDR="198.51.100.7")
    victim.post("/login/", {"username": "target", "password": "right-password-123"})
    assert "_auth_user_id" in victim.session
    bystander = Client(REMOTE_ADDR="203.0.113.9")
    bystander.post("/login/", {"username": "other", "password": "right-password-456"})
    assert "_auth_user_id" in bystander.session


def test_a_success_resets_the_count(make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("target", "Employee", password="right-password-123")
    client = Client()
    for i in range(FAILURE_LIMIT - 1):
        client.post("/login/", {"username": "target", "password": f"guess-{i}"})
    client.post("/login/", {"username": "target", "password": "right-password-123"})
    assert "_auth_user_id" in client.session
    client.logout()
    for i in range(FAILURE_LIMIT - 1):
        client.post("/login/", {"username": "target", "password": f"again-{i}"})
    client.post("/login/", {"username": "target", "password": "right-password-123"})
    assert "_auth_user_id" in client.session


def test_basic_auth_guessing_on_the_api_is_locked_too_with_429(make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("target", "Developer", password="right-password-123")
    client = Client()

    def basic(password: str) -> int:
        token = base64.b64encode(f"target:{password}".encode()).decode()
        return client.get("/v2/topology", HTTP_AUTHORIZATION=f"Basic {token}").status_code

    assert [basic(f"guess-{i}") for i in range(FAILURE_LIMIT)] == [401] * FAILURE_LIMIT
    assert basic("right-password-123") == 429
