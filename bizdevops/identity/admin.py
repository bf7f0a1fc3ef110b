"""Django admin for API clients: list, create (the secret is shown once, in the success message), revoke."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from bizdevops.identity.models import ApiClient
from bizdevops.identity.tokens import create_api_client, revoke_api_client


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "client_id", "is_active", "created_by", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "client_id")
    fields = ("name",)
    actions = ("revoke",)

    def get_readonly_fields(self, request: Any, obj: Any = None) -> tuple[str, ...]:
        return ("name", "client_id", "is_active", "created_by", "created_at") if obj else ()

    def get_fields(self, request: Any, obj: Any = None) -> tuple[str, ...]:
        return ("name", "client_id", "is_active", "created_by", "created_at") if obj else ("name",)

    def save_model(self, request: Any, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            return
        new = create_api_client(name=obj.name, roles=["Developer"], created_by=request.user)
        obj.pk = new.client.pk
        messages.warning(
            request,
            _("Client %(id)s created. Its secret, shown only now: %(secret)s")
            % {"id": new.client.client_id, "secret": new.client_secret},
        )

    @admin.action(description=_("Revoke the selected clients (their tokens stop working)"))
    def revoke(self, request: Any, queryset: Any) -> None:
        for client in queryset:
            revoke_api_client(client=client)
