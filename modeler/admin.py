from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from modeler.models import ModelFile, Project


@admin.register(Project)
class ProjectAdmin(GuardedModelAdmin):
    list_display = ("name", "owner", "updated_at")


@admin.register(ModelFile)
class ModelFileAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "project", "revision", "updated_at")
    list_filter = ("kind",)
