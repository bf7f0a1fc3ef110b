from django.contrib import admin

from tasklist.models import SavedView, TaskComment, TaskDraft, TaskEvent


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "owner", "updated_at")
    search_fields = ("name", "owner__username")


@admin.register(TaskComment)
class TaskCommentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("task_key", "author", "created_at")
    search_fields = ("task_key", "author__username")


@admin.register(TaskEvent)
class TaskEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("task_key", "actor", "action", "detail", "created_at")
    list_filter = ("action",)


@admin.register(TaskDraft)
class TaskDraftAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("task_key", "user", "updated_at")
