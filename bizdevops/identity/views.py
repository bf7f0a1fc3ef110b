"""OAuth 2.0 token endpoint (client credentials grant, RFC 6749 §4.4), rate limited per address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from bizdevops.api.errors import exception_handler
from bizdevops.identity.tokens import issue_token
from bizdevops.problems import problem


class TokenThrottle(AnonRateThrottle):
    scope = "oauth-token"

    def get_rate(self) -> str:
        return getattr(settings, "BIZDEVOPS_TOKEN_RATE", "60/minute")

    def get_cache_key(self, request: Request, view: Any) -> str:
        # Every caller counts, authenticated or not: the endpoint itself is the credential check.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _oauth_error(status: int, error: str, detail: str) -> Any:
    # RFC 6749 §5.2 wants {"error": ...}; the problem+json fields come along for our own clients.
    response = problem(status, detail, instance="/oauth/token", error=error, error_description=detail)
    response["Cache-Control"] = "no-store"
    return response


class TokenView(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []
    throttle_classes = [TokenThrottle]
    parser_classes = [FormParser, MultiPartParser, JSONParser]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self) -> Any:
        return exception_handler

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        from bizdevops.api.views.base import release_connection

        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            release_connection(request)

    @extend_schema(
        operation_id="issueToken",
        auth=[],
        request=inline_serializer(
            "TokenRequest",
            {
                "grant_type": serializers.CharField(),
                "client_id": serializers.CharField(),
                "client_secret": serializers.CharField(),
                "audience": serializers.CharField(required=False),
            },
        ),
        responses=inline_serializer(
            "TokenResponse",
            {
                "access_token": serializers.CharField(),
                "token_type": serializers.CharField(),
                "expires_in": serializers.IntegerField(),
            },
        ),
    )
    def post(self, request: Request) -> Any:
        data = request.data
        if not hasattr(data, "get"):
            return _oauth_error(400, "invalid_request", "Send a form-encoded (or JSON object) token request.")
        grant = data.get("grant_type")
        if grant != "client_credentials":
            return _oauth_error(
                400, "unsupported_grant_type", "Only grant_type=client_credentials is supported."
            )
        client_id, secret = data.get("client_id"), data.get("client_secret")
        if not isinstance(client_id, str) or not isinstance(secret, str) or not client_id or not secret:
            return _oauth_error(400, "invalid_request", "client_id and client_secret are required.")
        audience = data.get("audience") or ""
        issued = issue_token(client_id=client_id, client_secret=secret, audience=str(audience))
        if issued is None:
            return _oauth_error(401, "invalid_client", "Unknown client or wrong secret.")
        return Response(
            {"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in},
            headers={"Cache-Control": "no-store"},
        )
