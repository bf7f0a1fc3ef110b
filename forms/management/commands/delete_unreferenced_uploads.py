"""Delete form uploads no process refers to (run daily, e.g. from cron or Celery beat)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from forms.services import delete_unreferenced_uploads


class Command(BaseCommand):
    help = "Delete uploaded form files that no process variable refers to and that are older than --hours."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args: Any, **options: Any) -> None:
        count = delete_unreferenced_uploads(older_than=dt.timedelta(hours=options["hours"]))
        self.stdout.write(f"deleted {count} unreferenced uploads")
