from django.urls import path

from tasklist import views

app_name = "tasklist"
urlpatterns = [
    path("", views.index, name="index"),
]
