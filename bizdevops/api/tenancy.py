"""Tenants in requests. Multi-tenancy is not enabled on this platform (as in a Camunda 8 cluster started
without it): every object belongs to the default tenant `<default>`, and a request naming another tenant is
refused with Camunda's own 400 instead of being stored under a tenant nothing else honours."""

from __future__ import annotations

from collections.abc import Iterable

from bizdevops.api.errors import ApiProblem

DEFAULT_TENANT = "<default>"


def require_default_tenant(tenant_id: object, request_name: str) -> str:
    """The tenant of a command: absent/empty or `<default>` → `<default>`; anything else → 400."""
    if tenant_id is None or tenant_id == "" or tenant_id == DEFAULT_TENANT:
        return DEFAULT_TENANT
    raise ApiProblem(
        400,
        f"Expected to handle request {request_name} with tenant identifier '{tenant_id}', "
        "but multi-tenancy is disabled",
    )


def require_default_tenants(tenant_ids: Iterable[object] | None, request_name: str) -> None:
    """A list of tenants (job activation's tenantIds): each must be the default tenant."""
    for tenant_id in tenant_ids or ():
        require_default_tenant(tenant_id, request_name)
