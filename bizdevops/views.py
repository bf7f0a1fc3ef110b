"""Platform pages: home, placeholders for parts not built yet, and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def placeholder(title: str, section: str):  # type: ignore[no-untyped-def]
    """A page for a part of the suite that is not built yet; says so plainly."""

    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, "placeholder.html", {"title": title, "section": section})

    return view


operate = placeholder(_("Operate"), "operate")
optimize = placeholder(_("Optimize"), "optimize")
admin_home = placeholder(_("Admin"), "admin")


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the message is reported
        return False, type(exc).__name__
    return True, connection.vendor


def _check_broker() -> tuple[bool, str]:
    from bizdevops.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:  # noqa: BLE001
        return False, type(exc).__name__
    return True, str(transport)


def _check_workers() -> tuple[bool, str]:
    from bizdevops.celery import app

    try:
        replies = app.control.ping(timeout=1.0)
    except Exception as exc:  # noqa: BLE001
        return False, type(exc).__name__
    if not replies:
        return False, "no worker answered"
    return True, f"{len(replies)} worker(s)"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and worker status; 200 when all are up, 503 otherwise."""
    checks = {}
    for name, check in (("database", _check_database), ("broker", _check_broker), ("worker", _check_workers)):
        ok, detail = check()
        checks[name] = {"status": "up" if ok else "down", "detail": detail}
    healthy = all(c["status"] == "up" for c in checks.values())
    return JsonResponse(
        {"status": "up" if healthy else "down", "checks": checks}, status=200 if healthy else 503
    )
