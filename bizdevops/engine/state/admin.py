"""Read-only admin views of engine state: for operators to look, never to edit. Every change goes through
the engine's commands (engine.services), so nothing here can write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from bizdevops.engine.state import models as m


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """List and inspect; add, change and delete are refused (the engine is the only writer)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.Deployment)
class DeploymentAdmin(ReadOnlyAdmin):
    list_display = ("key", "created_at", "created_by", "tenant_id")


@admin.register(m.ProcessDefinition)
class ProcessDefinitionAdmin(ReadOnlyAdmin):
    list_display = ("key", "bpmn_process_id", "version", "name", "resource_name", "created_at")
    list_filter = ("tenant_id",)
    search_fields = ("bpmn_process_id", "name")
    exclude = ("resource",)


@admin.register(m.DecisionDefinition)
class DecisionDefinitionAdmin(ReadOnlyAdmin):
    list_display = ("key", "decision_id", "version", "name", "decision_requirements_id")
    search_fields = ("decision_id", "name")


@admin.register(m.FormDefinition)
class FormDefinitionAdmin(ReadOnlyAdmin):
    list_display = ("key", "form_id", "version", "resource_name", "created_at")
    search_fields = ("form_id",)
    exclude = ("resource",)


@admin.register(m.ProcessInstance)
class ProcessInstanceAdmin(ReadOnlyAdmin):
    list_display = ("key", "bpmn_process_id", "version", "status", "start_date", "end_date", "business_id")
    list_filter = ("status", "bpmn_process_id")
    search_fields = ("=key", "business_id")


@admin.register(m.Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = (
        "key",
        "type",
        "state",
        "retries",
        "worker",
        "deadline",
        "retry_at",
        "process_instance_key",
    )
    list_filter = ("state", "type")
    search_fields = ("=key", "=process_instance_key")


@admin.register(m.UserTask)
class UserTaskAdmin(ReadOnlyAdmin):
    list_display = ("key", "name", "state", "assignee", "priority", "due_date", "creation_date")
    list_filter = ("state",)
    search_fields = ("=key", "assignee", "name")


@admin.register(m.Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("key", "error_type", "state", "element_id", "process_instance_key", "created_at")
    list_filter = ("state", "error_type")


@admin.register(m.Timer)
class TimerAdmin(ReadOnlyAdmin):
    list_display = ("key", "due_at", "element_id", "repetitions", "process_instance_key")


@admin.register(m.MessageSubscription)
class MessageSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("key", "message_name", "correlation_key", "element_id", "process_instance_key")
    search_fields = ("message_name", "correlation_key")


@admin.register(m.BufferedMessage)
class BufferedMessageAdmin(ReadOnlyAdmin):
    list_display = ("key", "name", "correlation_key", "message_id", "expires_at")


@admin.register(m.SignalSubscription)
class SignalSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("key", "signal_name", "element_id", "process_instance_key")


@admin.register(m.OutboxCommand)
class OutboxCommandAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "attempts", "last_error")
