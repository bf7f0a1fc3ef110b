"""Browser tests: the real site (daphne, ASGI, static files) in a subprocess on the test database, driven
by Playwright in Debian's chromium.

Browser tests use `committed_db` (pytest-django's transactional_db: autocommit writes the server process can see,
flushed after each test) and `e2e_user` (a user with a unique name in the given role groups). Flushes re-create
content types with new ids, so the server clears its content-type cache per request (middleware.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API keeps an event loop in this thread; the ORM calls in fixtures are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        user = db.get("USER") or "postgres"
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return f"postgres://{user}@{host}:{port}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@contextmanager
def serve_project(*, log_name: str, ready_path: str, **env_extra: str) -> Iterator[str]:
    """Run daphne serving the project against the test database until the block ends; yield its base URL.

    Shared by the browser tests and the API contract tests. `ready_path` is polled until it answers.
    """
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("tests against a live site need a server database (set DATABASE_URL; `make test` does)")
    port = _free_port()
    env = os.environ.copy()
    env.update(
        DATABASE_URL=_database_url(),
        DJANGO_SETTINGS_MODULE="bizdevops.settings_test",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        BIZDEVOPS_E2E_SERVER="1",
        **env_extra,
    )
    (REPO / "data").mkdir(exist_ok=True)
    log = open(REPO / "data" / log_name, "wb")  # noqa: SIM115
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "bizdevops.asgi:application"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}{ready_path}", timeout=1)  # noqa: S310
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                raise RuntimeError(f"daphne did not start; see {log.name}") from None
            time.sleep(0.2)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def live_site(django_db_setup, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Start daphne serving the project against the test database; yield its base URL."""
    with serve_project(log_name="e2e-daphne.log", ready_path="/login/") as base:
        yield base


# Function scope: Playwright's sync API keeps an asyncio loop running in this thread while it is open, which
# breaks every later test that uses async_to_sync (Channels tests); a browser per test costs about a second.
@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium is missing at {CHROMIUM}: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield _CspBypassingBrowser(browser)
        browser.close()


class _CspBypassingBrowser:
    """Contexts bypass the Content-Security-Policy by default: Playwright's string predicates
    (wait_for_function) are evaluated with eval, which the policy forbids. test_csp.py opens every editor
    with the policy enforced (`bypass_csp=False`), so our own scripts are still checked against it."""

    def __init__(self, browser) -> None:  # type: ignore[no-untyped-def]
        self._browser = browser

    def new_context(self, **options):  # type: ignore[no-untyped-def]
        options.setdefault("bypass_csp", True)
        return self._browser.new_context(**options)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._browser, name)


@pytest.fixture
def page(browser, live_site):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_site, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def committed_db(transactional_db) -> None:  # type: ignore[no-untyped-def]
    """ORM access in autocommit mode on the test database, so the live server sees what the test writes.

    Built on pytest-django's transactional_db: the test database is always created (never the one DATABASE_URL
    names) and flushed after the test.
    """
    assert settings.DATABASES["default"]["NAME"].startswith("test_"), (
        "browser tests must use the test database"
    )


@pytest.fixture
def e2e_user(committed_db):  # type: ignore[no-untyped-def]
    """Make a committed user in role groups; returns (user, password). Usernames get a unique suffix."""
    import uuid

    from django.contrib.auth.models import Group, User

    def make(prefix: str, *roles: str) -> tuple[User, str]:
        password = f"pw-{uuid.uuid4().hex[:12]}"
        user = User.objects.create_user(username=f"{prefix}-{uuid.uuid4().hex[:6]}", password=password)
        for role in roles:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user, password

    return make


def login(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
