from django.urls import path

from modeler import views

app_name = "modeler"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create_diagram, name="create"),
    path("files/<int:pk>/", views.editor, name="editor"),
    path("api/files/<int:pk>/content", views.file_content, name="file-content"),
]
