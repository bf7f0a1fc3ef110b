from django.contrib import admin

from forms.models import StoredFile


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("file_name", "content_type", "size", "owner", "created_at")
    search_fields = ("file_name", "owner__username", "sha256")
