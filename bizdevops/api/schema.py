"""drf-spectacular extensions: describe our authentication classes in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BasicAuthScheme(OpenApiAuthenticationExtension):
    target_class = "bizdevops.identity.authentication.CachedBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "basic"}


class BearerAuthScheme(OpenApiAuthenticationExtension):
    target_class = "bizdevops.identity.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {}}},
        }


KEY_PATTERN = "^[0-9]{1,19}$"


def key_patterns(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOK: path keys are int64 digits, as in Camunda's spec (except Camunda 7's process
    definition key, which is a BPMN id, and tenant ids)."""
    for path, operations in result.get("paths", {}).items():
        if path.startswith("/engine-rest/process-definition/"):
            continue
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter.get("name") == "key":
                    parameter.setdefault("schema", {"type": "string"})["pattern"] = KEY_PATTERN
    return result
