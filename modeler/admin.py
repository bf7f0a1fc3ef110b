from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from modeler.models import Comment, Deployment, FileVersion, Folder, ModelFile, Notification, Project


@admin.register(Project)
class ProjectAdmin(GuardedModelAdmin):
    list_display = ("name", "owner", "updated_at")


@admin.register(Folder)
class FolderAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "parent")


@admin.register(ModelFile)
class ModelFileAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "project", "folder", "revision", "updated_at")
    list_filter = ("kind",)


@admin.register(FileVersion)
class FileVersionAdmin(admin.ModelAdmin):
    list_display = ("name", "file", "revision", "created_by", "created_at")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("file", "element_id", "author", "resolved", "created_at")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "comment", "read", "created_at")


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ("file", "engine_key", "deployed_by", "deployed_at")
