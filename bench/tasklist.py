"""Tasklist list queries at scale: ``.venv/bin/python bench/tasklist.py``.

Seeds 100,000 open user tasks across 200 candidate groups (plus 2,000 users; 10 % of the tasks assigned) in a
scratch database, then times the Tasklist's own selectors as a typical employee (member of one group) uses them:

  my tasks        first page of "assigned to me" (the default view)
  group tasks     first page of "all open tasks I may see" (my group's and mine)
  filtered view   overdue tasks of my group whose name matches a text, sorted by due date
  var search      text search in a chosen variable (applicantName) of my group's tasks
  admin all open  an admin's first page of every open task (no visibility restriction)
  counts          the counts of the four built-in views (the sidebar)

and prints p50 / p95 per query (ms, N runs each after a warm-up) and PostgreSQL's EXPLAIN (ANALYZE) of each.
The tasks are written straight into the engine tables with bulk inserts: only the read side is measured.

Options: --tasks (default 100000), --groups (200), --runs (200).
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bizdevops_tasklist_bench; created, migrated
and seeded once; reseeded when --tasks changes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bizdevops_tasklist_bench"


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bizdevops.settings")
    os.environ.setdefault("BIZDEVOPS_INSECURE_HTTP", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(tasks: int, groups: int) -> None:
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.utils import timezone

    from bizdevops.engine.state.models import UserTask, UserTaskCandidate, Variable

    if UserTask.objects.filter(state="CREATED").count() == tasks:
        return
    print(f"seeding {tasks:,} tasks across {groups} groups ...", flush=True)
    rng = random.Random(7)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE engine_usertaskcandidate, engine_usertask, engine_variable RESTART IDENTITY CASCADE"
            )
        group_names = [f"team-{i:03d}" for i in range(groups)]
        Group.objects.bulk_create([Group(name=n) for n in group_names], ignore_conflicts=True)
        usernames = [f"user{i:04d}" for i in range(2000)]
        User.objects.bulk_create([User(username=u) for u in usernames], ignore_conflicts=True)
        bench_user, _ = User.objects.get_or_create(username="bench")
        bench_user.groups.set([Group.objects.get(name="team-007")])
        now = timezone.now()
        names = ["심사", "승인", "서류 확인", "Review claim", "Approve invoice", "Call customer", "Check ID"]
        batch_tasks: list[UserTask] = []
        batch_candidates: list[UserTaskCandidate] = []
        batch_variables: list[Variable] = []
        for i in range(tasks):
            key = 10_000_000 + i
            group = group_names[i % groups]
            assignee = rng.choice(usernames) if rng.random() < 0.1 else ""
            if i % 997 == 0:
                assignee = "bench"  # about 100 tasks assigned to the measured user
            due = now + dt.timedelta(hours=rng.randint(-240, 480)) if rng.random() < 0.6 else None
            batch_tasks.append(
                UserTask(
                    key=key,
                    element_id="Task_1",
                    name=f"{rng.choice(names)} {i}",
                    state="CREATED",
                    assignee=assignee,
                    candidate_groups=[group],
                    due_date=due,
                    priority=rng.choice([20, 50, 50, 50, 80]),
                    element_instance_key=key + 50_000_000,
                    process_instance_key=key + 100_000_000,
                    process_definition_key=1,
                    bpmn_process_id=f"process_{i % 20}",
                    process_name=f"Process {i % 20}",
                    creation_date=now - dt.timedelta(seconds=tasks - i),
                )
            )
            batch_candidates.append(UserTaskCandidate(user_task_id=key, kind="group", name=group))
            batch_variables.append(
                Variable(
                    key=key + 200_000_000,
                    scope_key=key + 100_000_000,
                    name="applicantName",
                    value=f"applicant {rng.randint(0, 50_000)}",
                    process_instance_key=key + 100_000_000,
                )
            )
            if len(batch_tasks) == 5000:
                UserTask.objects.bulk_create(batch_tasks)
                UserTaskCandidate.objects.bulk_create(batch_candidates)
                Variable.objects.bulk_create(batch_variables)
                batch_tasks, batch_candidates, batch_variables = [], [], []
        UserTask.objects.bulk_create(batch_tasks)
        UserTaskCandidate.objects.bulk_create(batch_candidates)
        Variable.objects.bulk_create(batch_variables)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE engine_usertask; ANALYZE engine_usertaskcandidate; ANALYZE engine_variable")


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    for _ in range(5):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def explain(queryset: Any) -> str:
    return queryset.explain(analyze=True, buffers=False)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    seed(args.tasks, args.groups)

    from django.contrib.auth.models import User

    from tasklist import selectors
    from tasklist.selectors import TaskFilter

    def fresh_user() -> User:
        # a new object per request, as in a view: the group names are looked up each time
        return User.objects.get(username="bench")

    filters = {
        "my tasks": TaskFilter(assignment="me"),
        "group tasks": TaskFilter(),
        "filtered view": TaskFilter(group="team-007", due="overdue", search="심사", sort="due"),
        "var search": TaskFilter(search="applicant 12", search_variables=("applicantName",)),
    }
    results: list[tuple[str, float, float, int]] = []
    for label, task_filter in filters.items():

        def first_page(task_filter: TaskFilter = task_filter) -> list[Any]:
            return selectors.page_of(selectors.filter_tasks(fresh_user(), task_filter), 1)

        rows = len(first_page())
        p50, p95 = timed(first_page, args.runs)
        results.append((label, p50, p95, rows))

    # An admin sees every task: the first page of all 100,000, newest first.
    if not User.objects.filter(username="bench-admin").exists():
        User.objects.create_superuser("bench-admin")

    def admin_page() -> list[Any]:
        return selectors.page_of(
            selectors.filter_tasks(User.objects.get(username="bench-admin"), TaskFilter()), 1
        )

    p50, p95 = timed(admin_page, max(args.runs // 4, 20))
    results.append(("admin all open", p50, p95, len(admin_page())))

    def counts() -> list[Any]:
        return selectors.list_views(fresh_user())

    p50, p95 = timed(counts, max(args.runs // 4, 20))
    results.append(("counts (4 views)", p50, p95, len(counts())))

    user = fresh_user()
    for label, task_filter in filters.items():
        queryset = selectors.filter_tasks(user, task_filter)[: selectors.PAGE_SIZE + 1]
        print(f"\n--- EXPLAIN ANALYZE: {label} ---")
        print(explain(queryset))
    print("\n--- EXPLAIN ANALYZE: count of 'all open tasks' ---")
    print(explain(selectors.filter_tasks(user, TaskFilter()).order_by()))

    print(f"\n{args.tasks:,} open tasks, {args.groups} groups; user 'bench' in one group; {args.runs} runs")
    print(f"{'query':<20} {'rows':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for label, p50, p95, rows in results:
        print(f"{label:<20} {rows:>5} {p50:>8.2f} {p95:>8.2f}")
    worst = max(p95 for label, _, p95, _ in results if label in ("my tasks", "filtered view"))
    print(f"summary: p95 my tasks / filtered view first page = {worst:.1f} ms (target < 100 ms)")


if __name__ == "__main__":
    main()
