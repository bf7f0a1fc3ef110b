"""Navigation shown in the base layout."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

NAVIGATION = [
    ("modeler", _("Modeler"), "modeler:index"),
    ("tasklist", _("Tasklist"), "tasklist:index"),
    ("operate", _("Operate"), "operate"),
    ("optimize", _("Optimize"), "optimize"),
    ("admin", _("Admin"), "admin-home"),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    return {"navigation": NAVIGATION}
