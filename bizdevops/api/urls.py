"""Public REST API routes: /v2 (Camunda 8 compatible), /engine-rest (Camunda 7 external tasks), OpenAPI."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from bizdevops.api.errors import not_found
from bizdevops.api.views import cluster
from bizdevops.identity.views import TokenView


def v2(route: str, view: type, name: str) -> URLPattern:
    return path(f"v2/{route}", view.as_view(), name=f"v2-{name}")  # type: ignore[attr-defined]


api = [
    v2("topology", cluster.TopologyView, "topology"),
    v2("status", cluster.StatusView, "status"),
    v2("clock", cluster.ClockView, "clock"),
    v2("clock/reset", cluster.ClockResetView, "clock-reset"),
]

urlpatterns = [
    path("oauth/token", TokenView.as_view(), name="oauth-token"),
    *api,
    path(
        "v2/api-docs/openapi.json",
        SpectacularAPIView.as_view(
            urlconf="bizdevops.api.urls", authentication_classes=[], permission_classes=[]
        ),
        name="api-schema",
    ),
    path(
        "v2/api-docs/",
        SpectacularSwaggerView.as_view(
            url_name="api-schema", authentication_classes=[], permission_classes=[]
        ),
        name="api-docs",
    ),
    re_path(r"^(?:v2|engine-rest)(?:/.*)?$", not_found),
]
