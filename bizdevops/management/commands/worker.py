"""`manage.py worker TYPE=module:function ...`: run Python job handlers against this site's engine.

    python manage.py worker charge-card=payments.workers:charge send-mail=mail.workers:send --concurrency 8
    python manage.py worker charge-card=payments.workers:charge --url https://bpm.example.com --user demo

Without --url the handlers run in this process on the engine services (same database); with --url they
speak the public REST API of a remote site. SIGTERM / SIGINT stop polling and let running jobs finish.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from bizdevops.api.worker import EngineTransport, RestTransport, Transport, WorkerRunner, load_handler


class Command(BaseCommand):
    help = "Run job handlers: TYPE=package.module:function ... (Ctrl-C / SIGTERM stops gracefully)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("bindings", nargs="+", metavar="TYPE=module:function")
        parser.add_argument("--concurrency", type=int, default=4, help="jobs run at the same time (threads)")
        parser.add_argument("--timeout", type=int, default=60_000, help="job lock in ms")
        parser.add_argument("--name", default=None, help="worker name shown in Operate")
        parser.add_argument("--url", default="", help="remote site base URL (REST transport)")
        parser.add_argument("--user", default=os.environ.get("BIZDEVOPS_USER", ""))
        parser.add_argument("--password", default=os.environ.get("BIZDEVOPS_PASSWORD", ""))
        parser.add_argument("--token", default=os.environ.get("BIZDEVOPS_TOKEN", ""))

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        handlers = {}
        for binding in options["bindings"]:
            job_type, sep, spec = binding.partition("=")
            if not sep or not job_type:
                raise CommandError(f"{binding!r}: expected TYPE=package.module:function")
            try:
                handlers[job_type] = load_handler(spec)
            except (ImportError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
        transport: Transport = (
            RestTransport(
                options["url"], username=options["user"], password=options["password"], token=options["token"]
            )
            if options["url"]
            else EngineTransport()
        )
        runner = WorkerRunner(
            handlers,
            transport,
            concurrency=options["concurrency"],
            timeout_ms=options["timeout"],
            worker_name=options["name"],
        )
        runner.install_signal_handlers()
        self.stdout.write(
            f"worker {runner.worker_name}: {', '.join(sorted(handlers))} "
            f"(concurrency {runner.concurrency}); Ctrl-C stops"
        )
        runner.run()
        self.stdout.write(f"stopped: {runner.completed} completed, {runner.failed} failed")
