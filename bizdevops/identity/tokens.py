"""API clients and OAuth 2.0 client-credentials tokens: create a client, issue a token, resolve a token.

Tokens are 256-bit random strings; only their SHA-256 is stored, so a database dump grants nothing. Client
secrets are hashed with Django's password hasher (slow on purpose: the token endpoint is rate limited and
called once an hour per client, unlike the bearer check on every request, which is one indexed lookup).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from bizdevops.identity.models import AccessToken, ApiClient
from bizdevops.identity.services import ROLES, ensure_role_groups

TOKEN_LIFETIME = dt.timedelta(hours=1)
SERVICE_USER_PREFIX = "client:"


@dataclass(frozen=True)
class NewApiClient:
    """A created client with its plain secret, which exists only in this object (shown once)."""

    client: ApiClient
    client_secret: str


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    client: ApiClient


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_api_client(*, name: str, roles: list[str], created_by: User | None = None) -> NewApiClient:
    """Create an API client acting with `roles` (names from identity.services.ROLES)."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(unknown)}")
    ensure_role_groups()
    client_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    user = User.objects.create(username=f"{SERVICE_USER_PREFIX}{client_id}", first_name=name[:150])
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.set(Group.objects.filter(name__in=roles))
    client = ApiClient.objects.create(
        client_id=client_id,
        name=name,
        secret_hash=make_password(secret),
        service_user=user,
        created_by=created_by,
    )
    return NewApiClient(client=client, client_secret=secret)


def issue_token(*, client_id: str, client_secret: str, audience: str = "") -> IssuedToken | None:
    """A new bearer token for valid, active client credentials; None otherwise."""
    client = (
        ApiClient.objects.filter(client_id=client_id, is_active=True).select_related("service_user").first()
    )
    if client is None:
        # Hash anyway so an unknown id costs as much time as a wrong secret.
        make_password(client_secret)
        return None
    if not check_password(client_secret, client.secret_hash):
        return None
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    AccessToken.objects.create(
        token_hash=_token_hash(token), client=client, audience=audience[:200], expires_at=now + TOKEN_LIFETIME
    )
    AccessToken.objects.filter(client=client, expires_at__lt=now).delete()
    return IssuedToken(access_token=token, expires_in=int(TOKEN_LIFETIME.total_seconds()), client=client)


def resolve_token(token: str) -> AccessToken | None:
    """The live token row for a bearer token, with its client and service user; None if unknown or expired."""
    row = (
        AccessToken.objects.select_related("client", "client__service_user")
        .filter(token_hash=_token_hash(token), expires_at__gt=timezone.now(), client__is_active=True)
        .first()
    )
    if row is None or not row.client.service_user.is_active:
        return None
    return row


def revoke_api_client(*, client: ApiClient) -> None:
    """Deactivate a client and drop its tokens: calls with them fail from now on."""
    with transaction.atomic():
        client.is_active = False
        client.save(update_fields=["is_active"])
        client.tokens.all().delete()
