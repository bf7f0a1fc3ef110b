from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bizdevops import views
from bizdevops.api.urls import urlpatterns as api_urlpatterns
from bizdevops.identity.forms import LockoutAwareAuthenticationForm

# The API first and not through include() (one resolver level less): its requests are the hot path, and its
# routes (/v2, /engine-rest, /oauth/token) share no prefix with the pages', so the order changes nothing else.
urlpatterns = [
    *api_urlpatterns,
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", authentication_form=LockoutAwareAuthenticationForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("modeler/", include("modeler.urls")),
    path("tasks/", include("tasklist.urls")),
    path("operate/", views.operate, name="operate"),
    path("optimize/", views.optimize, name="optimize"),
    path("manage/", views.admin_home, name="admin-home"),
    path("django-admin/", admin.site.urls),
]
