"""The "postgres" engine harnesses: every core scenario of tests/engine/core also runs on the database.

tests/engine/core/conftest.py imports this module and calls `register(ENGINE_FACTORIES)`. "postgres" hands
out a *fresh* engine (empty definition caches, new DjangoStore) at every `.engine` access, so each command
starts from what PostgreSQL holds: a restart with a reload of state at every wait state. "postgres-copies"
keeps one engine and commits for real, so commands begin from the copies the store keeps (instance_cache)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bizdevops.engine.core.clock import ControlledClock
from bizdevops.engine.core.records import (
    HistoryRecord,
    JobRecord,
    MessageSubscriptionRecord,
    TimerRecord,
    UserTaskRecord,
)
from bizdevops.engine.core.runtime import Engine


class PostgresHarness:
    """Engine on DjangoStore + the test database, with a controlled clock."""

    name = "postgres"

    def __init__(self) -> None:
        self.clock = ControlledClock()

    @property
    def engine(self) -> Engine:
        from bizdevops.engine.services import DurableEngine
        from bizdevops.engine.state import store as store_module
        from bizdevops.engine.state.keys import default_keys

        store_module._definition_cache.clear()  # a restarted worker has no cache either
        return DurableEngine(store_module.DjangoStore(), self.clock, default_keys())

    def history(self) -> list[HistoryRecord]:
        from bizdevops.engine.selectors import list_history_records

        return list_history_records()

    def user_tasks(self, process_instance_key: int | None = None) -> list[UserTaskRecord]:
        from bizdevops.engine.state.models import UserTask
        from bizdevops.engine.state.store import _user_task_record

        rows = UserTask.objects.order_by("key")
        if process_instance_key is not None:
            rows = rows.filter(process_instance_key=process_instance_key)
        return [_user_task_record(r) for r in rows]

    def jobs(self, process_instance_key: int | None = None) -> list[JobRecord]:
        from bizdevops.engine.state.models import Job
        from bizdevops.engine.state.store import _job_record

        rows = Job.objects.order_by("key")
        if process_instance_key is not None:
            rows = rows.filter(process_instance_key=process_instance_key)
        return [_job_record(r) for r in rows]

    def timers(self) -> list[TimerRecord]:
        from bizdevops.engine.state.models import Timer
        from bizdevops.engine.state.store import _timer_record

        return [_timer_record(r) for r in Timer.objects.order_by("key")]

    def message_subscriptions(self) -> list[MessageSubscriptionRecord]:
        from bizdevops.engine.state.models import MessageSubscription

        return [
            MessageSubscriptionRecord(
                key=r.key,
                message_name=r.message_name,
                correlation_key=r.correlation_key,
                element_id=r.element_id,
                process_definition_key=r.process_definition_key,
                bpmn_process_id=r.bpmn_process_id,
                process_instance_key=r.process_instance_key,
                element_instance_key=r.element_instance_key,
                interrupting=r.interrupting,
                tenant_id=r.tenant_id,
            )
            for r in MessageSubscription.objects.order_by("key")
        ]

    def advance(
        self, *, ms: int = 0, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> int:
        self.clock.advance(ms=ms, seconds=seconds, minutes=minutes, hours=hours, days=days)
        return self.engine.fire_due_timers()

    def now(self) -> int:
        return self.clock.now_ms()


def _ensure_test_database(request: pytest.FixtureRequest) -> None:
    """pytest-django creates the test database only for aliases that marked tests ask for, and the core
    scenarios carry no django_db mark: when only they run, create it here (once per session) so the
    harness never touches the real database."""
    from django.db import connection
    from django.db.backends.base.creation import TEST_DATABASE_PREFIX
    from django.test.utils import setup_databases, teardown_databases

    name = str(connection.settings_dict["NAME"])
    if name.startswith(TEST_DATABASE_PREFIX) or "memorydb" in name or name == ":memory:":
        return  # pytest-django (or an earlier call) set it up
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})

    def teardown() -> None:
        with blocker.unblock():
            teardown_databases(config, verbosity=0)

    request.config.add_cleanup(teardown)


def _postgres(request: pytest.FixtureRequest) -> Any:
    # Runs on the configured database: PostgreSQL with DATABASE_URL, else the quickstart's SQLite.
    _ensure_test_database(request)
    request.getfixturevalue("db")
    return PostgresHarness()


class PostgresCopiesHarness(PostgresHarness):
    """One engine for the whole scenario, committing for real: each command on an instance that the
    previous one wrote begins from the store's copy of it (instance_cache) and writes conditionally,
    instead of locking and reading it."""

    name = "postgres-copies"

    def __init__(self) -> None:
        super().__init__()
        from bizdevops.engine.services import DurableEngine
        from bizdevops.engine.state import store as store_module
        from bizdevops.engine.state.keys import default_keys

        self.store = store_module.DjangoStore(cache_size=1000)
        self._engine = DurableEngine(self.store, self.clock, default_keys())

    @property
    def engine(self) -> Engine:
        return self._engine


def _postgres_copies(request: pytest.FixtureRequest) -> Any:
    from django.db import connection

    _ensure_test_database(request)
    if connection.vendor != "postgresql":
        pytest.skip("copies of instances are kept on PostgreSQL only")
    # A copy is kept only after a commit the unit owns: real transactions (the mark, because pytest-django
    # decides from marks and the test's own fixture names, not from one requested here).
    request.node.add_marker(pytest.mark.django_db(transaction=True))
    request.getfixturevalue("transactional_db")
    return PostgresCopiesHarness()


def register(factories: dict[str, Callable[[pytest.FixtureRequest], Any]]) -> None:
    """Add the "postgres" harnesses to the core scenarios' ENGINE_FACTORIES."""
    factories["postgres"] = _postgres
    factories["postgres-copies"] = _postgres_copies
