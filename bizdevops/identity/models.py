"""API clients (OAuth 2.0 client credentials) and the bearer tokens issued to them.

An API client acts through its own service user: its roles are that user's groups, so every permission check
in the API is the same check whether a person (HTTP Basic, session) or a machine (bearer token) calls.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiClient(models.Model):
    """A machine caller of the REST API; the secret is stored hashed and shown once, at creation."""

    client_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    secret_hash = models.CharField(max_length=256)
    # The identity the client acts as; its groups are the client's roles.
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_client"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["client_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class AccessToken(models.Model):
    """A bearer token issued by the token endpoint; only its SHA-256 is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    audience = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"token of {self.client.client_id} until {self.expires_at:%Y-%m-%d %H:%M}"
