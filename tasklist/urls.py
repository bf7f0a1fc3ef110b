from django.urls import path

from tasklist import views

app_name = "tasklist"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:key>/", views.task_page, name="task"),
    path("start/<str:process_id>/", views.start_page, name="start"),
    path("api/list", views.api_list, name="api-list"),
    path("api/views", views.api_views, name="api-views"),
    path("api/views/<int:pk>", views.api_view_delete, name="api-view-delete"),
    path("api/tasks/<int:key>", views.api_task, name="api-task"),
    path("api/tasks/<int:key>/claim", views.claim, name="claim"),
    path("api/tasks/<int:key>/unclaim", views.unclaim, name="unclaim"),
    path("api/tasks/<int:key>/assign", views.assign, name="assign"),
    path("api/tasks/<int:key>/follow-up", views.follow_up, name="follow-up"),
    path("api/tasks/<int:key>/complete", views.complete, name="complete"),
    path("api/tasks/<int:key>/draft", views.draft, name="draft"),
    path("api/tasks/<int:key>/comments", views.comments, name="comments"),
    path("api/uploads", views.upload, name="upload"),
    path("api/documents/<uuid:document_id>", views.document, name="document"),
    path("api/start/<str:process_id>", views.api_start, name="api-start"),
]
