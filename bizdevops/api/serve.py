"""Run N daphne processes on one listening socket: `python -m bizdevops.api.serve --processes 2 -p 8000`.

One daphne process runs Python on one core (the GIL); on a multi-core machine the API scales with processes.
This binds the port once, then starts N `daphne --fd` children that inherit the listening socket, so the
kernel spreads new connections over them; no proxy in between. Long polls in one process are woken by jobs
created in another over Redis pub/sub (bizdevops.api.jobwake), so set REDIS_URL when N > 1 (without it a
long poll still sees new jobs, within POLL_FLOOR = 0.5 s). SIGINT/SIGTERM stop every child; when one child
dies the others are stopped too, so a supervisor above (systemd, the quickstart) sees the failure.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=int(os.environ.get("WEB_PROCESSES", "2")))
    parser.add_argument("-b", "--bind", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=8000)
    parser.add_argument("application", nargs="?", default="bizdevops.asgi:application")
    args = parser.parse_args(argv)
    if args.processes > 1 and not os.environ.get("REDIS_URL"):
        sys.stderr.write("serve: REDIS_URL is not set; cross-process long-poll wake-ups fall back to 0.5 s\n")

    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.bind, args.port))
    listener.listen(1024)
    listener.set_inheritable(True)
    fd = listener.fileno()
    command = [sys.executable, "-m", "daphne", "--fd", str(fd), args.application]
    children = [subprocess.Popen(command, pass_fds=(fd,)) for _ in range(max(1, args.processes))]  # noqa: S603
    listener.close()  # the children hold it now

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    while not stopping:
        for child in children:
            if child.poll() is not None:
                code = child.returncode or 1
                stopping = True
        time.sleep(0.2)
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 10
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
