"""`manage.py quickstart`: migrate, load demo data and run daphne, a Celery worker and Celery beat together.

Ctrl-C (SIGINT) or SIGTERM stops every process it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from bizdevops.identity.services import DEMO_USERS


class Command(BaseCommand):
    help = "Run the whole site (daphne + Celery worker + Celery beat) with demo users and a demo process."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo users and process.")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        data_dir = Path(settings.DATA_DIR)
        for sub in ("broker/queue", "broker/processed", "media"):
            (data_dir / sub).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        python = sys.executable
        env = os.environ.copy()
        port, host = str(options["port"]), options["host"]
        commands = {
            "web": [python, "-m", "daphne", "-b", host, "-p", port, "bizdevops.asgi:application"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "bizdevops",
                "worker",
                "--loglevel=WARNING",
                "--concurrency=2",
                "-n",
                f"worker-{os.getpid()}@%h",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "bizdevops",
                "beat",
                "--loglevel=WARNING",
                "--schedule",
                str(data_dir / "celerybeat-schedule"),
            ],
        }
        processes: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def stop(*_args: object) -> None:
            nonlocal stopping
            if stopping:
                return
            stopping = True
            self.stdout.write("\nStopping…")
            for proc in processes.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for proc in processes.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, cmd in commands.items():
            processes[name] = subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env)  # noqa: S603
        url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\nBizDevOps is running at {url}"))
        self.stdout.write(
            f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
            f"broker: {settings.CELERY_BROKER_URL.split('://')[0]}"
        )
        if not options["no_demo"]:
            self.stdout.write("Demo logins (username / password):")
            for demo in DEMO_USERS:
                self.stdout.write(f"  {demo.username:<10} / {demo.password:<15} {', '.join(demo.groups)}")
        self.stdout.write("Press Ctrl-C to stop.\n")
        try:
            while not stopping:
                for name, proc in processes.items():
                    if proc.poll() is not None and not stopping:
                        self.stderr.write(f"{name} exited with code {proc.returncode}; stopping the rest.")
                        stop()
                        break
                time.sleep(0.5)
        finally:
            stop()
