from django.urls import path

from modeler import views
from modeler.api import views as api

app_name = "modeler"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create_diagram, name="create"),
    path("projects/new/", views.create_project, name="project-create"),
    path("projects/<int:pk>/", views.project_page, name="project"),
    path("projects/<int:pk>/settings/", views.project_settings, name="project-settings"),
    path("projects/<int:pk>/files/new/", views.create_file, name="file-create"),
    path("projects/<int:pk>/files/upload/", views.upload_file, name="file-upload"),
    path("projects/<int:pk>/folders/new/", views.create_folder, name="folder-create"),
    path("folders/<int:pk>/rename/", views.rename_folder, name="folder-rename"),
    path("folders/<int:pk>/move/", views.move_folder, name="folder-move"),
    path("folders/<int:pk>/delete/", views.delete_folder, name="folder-delete"),
    path("files/<int:pk>/", views.editor, name="editor"),
    path("files/<int:pk>/rename/", views.rename_file, name="file-rename"),
    path("files/<int:pk>/move/", views.move_file, name="file-move"),
    path("files/<int:pk>/duplicate/", views.duplicate_file, name="file-duplicate"),
    path("files/<int:pk>/delete/", views.delete_file, name="file-delete"),
    path("files/<int:pk>/download/", views.download_file, name="file-download"),
    path("files/<int:pk>/versions/<int:version_pk>/", views.version_page, name="version"),
    path("files/<int:pk>/diff/", views.diff_page, name="diff"),
    # JSON API of the editors
    path("api/files/<int:pk>/content", api.file_content, name="file-content"),
    path("api/files/<int:pk>/versions", api.versions, name="api-versions"),
    path("api/files/<int:pk>/versions/<int:version_pk>", api.version, name="api-version"),
    path(
        "api/files/<int:pk>/versions/<int:version_pk>/restore",
        api.version_restore,
        name="api-version-restore",
    ),
    path("api/files/<int:pk>/diff", api.diff, name="api-diff"),
    path("api/files/<int:pk>/comments", api.comments, name="api-comments"),
    path(
        "api/files/<int:pk>/comments/<int:comment_pk>/resolve",
        api.comment_resolve,
        name="api-comment-resolve",
    ),
    path("api/files/<int:pk>/validate", api.validate, name="api-validate"),
    path("api/files/<int:pk>/start", api.start_instance, name="api-start"),
    path("api/files/<int:pk>/play", api.play, name="api-play"),
    path("api/files/<int:pk>/play/<str:action>", api.play, name="api-play-action"),
    path("api/projects/<int:pk>/linkable", api.linkable, name="api-linkable"),
    path("api/projects/<int:pk>/deploy", api.deploy, name="api-deploy"),
    path("api/element-templates", api.element_templates, name="api-element-templates"),
    path("api/notifications", api.notifications, name="api-notifications"),
]
