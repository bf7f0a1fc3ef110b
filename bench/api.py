"""REST throughput and job pick-up latency (issue #5, "Tests and numbers").

Starts daphne on a scratch PostgreSQL database, deploys a one-service-task process (start → service task →
end) and then, for --instances instances:
  - --starters threads create instances over REST (`POST /v2/process-instances`, HTTP Basic), in a
    process of their own with a bare HTTP client (the load generator, kept off the SDK workers' GIL),
  - --workers job workers of the official `camunda-orchestration-sdk` (async client, long polling
    `/v2/jobs/activation`) complete the jobs over REST.

It prints instances/s (first start → last completion) and the pick-up latency of each job, from its
creation (the engine's `created_at`) to its activation (the activation's `deadline` minus the lock
timeout): both read from the server's clock, so no client clock skew enters. Goal (issue #5): ≥ 100
instances/s with p99 pick-up < 100 ms on this 2-CPU machine. It also prints the CPU time per instance of the
site processes, of PostgreSQL's backends, of this process (the SDK workers) and of the starters' process (all
share the machine).

    .venv/bin/python bench/api.py            # issue #5's check: 2000 instances offered at 105/s, 48 SDK
                                             # workers x 16 jobs, 12 starters (the defaults)
    .venv/bin/python bench/api.py --rate 0 --instances 3000                              # max throughput
    .venv/bin/python bench/api.py --instances 600 --workers 48 --concurrency 8 --starters 4 --rate 20
                                                                                        # pick-up latency
The SDK's worker sleeps 1 s after every poll (not configurable), so a job waits for the next worker whose
sleep has ended unless one is long-polling: for low pick-up latency run more workers than jobs per second.
Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bizdevops_api_bench; created and
migrated), REDIS_URL (optional: only wakes long polls across processes; jobs are created in the web process
here; needed with --sites/--processes > 1). The site runs the production settings (DEBUG off, no clock API)
as daphne, or with --processes N as `python -m bizdevops.api.serve` (N daphne processes on one port). The
last two lines are the summary and whether issue #5's goal was met:
    api: N instances in S s = X PI/s; pick-up p50 A ms, p99 B ms (workers W, starters T, ...)
    goal (issue #5: >= 100 PI/s with p99 pick-up < 100 ms): met | NOT met (...)
Pick-up latency at "rate max" includes the queue of jobs created faster than they are completed; use --rate
below the maximum to see the pick-up latency itself.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client as http_client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D" targetNamespace="bench">
  <bpmn:process id="bench_api" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Work" />
    <bpmn:serviceTask id="Work">
      <bpmn:extensionElements><zeebe:taskDefinition type="bench-api-work" /></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Work" targetRef="End" />
    <bpmn:endEvent id="End" />
  </bpmn:process>
</bpmn:definitions>
"""
JOB_TIMEOUT_MS = 60_000
USER, PASSWORD = "bench-api", "bench-api-password-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0]
    subprocess.run(
        ["psql", f"{admin}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["psql", f"{admin}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True
    )
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bizdevops.settings_test"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
    script = (
        "from django.contrib.auth.models import Group, User\n"
        f"u = User.objects.create_user({USER!r}, password={PASSWORD!r})\n"
        "u.groups.add(Group.objects.get_or_create(name='Developer')[0])\n"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )


def site_environment(url: str) -> dict[str, str]:
    """What a user runs: the production settings (DEBUG off, no clock API) over plain HTTP on localhost."""
    return {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bizdevops.settings",
        "DEBUG": "0",
        "BIZDEVOPS_INSECURE_HTTP": "1",
        "BIZDEVOPS_CLOCK_API": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }


def _start_site(url: str, port: int, processes: int = 1, server: str = "daphne") -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **site_environment(url),
        # every waiting long poll holds a pool thread (not a database connection: those belong to work slots)
        "BIZDEVOPS_API_THREADS": os.environ.get("BIZDEVOPS_API_THREADS", "128"),
    }
    log = open(REPO / "data" / f"bench-api-daphne-{port}.log", "wb")  # noqa: SIM115
    if processes > 1:  # N daphne processes on one port, as `python -m bizdevops.api.serve` runs them
        command = [sys.executable, "-m", "bizdevops.api.serve", "--processes", str(processes)]
    else:
        command = [sys.executable, "-m", "daphne"]
    arguments = ["-b", "127.0.0.1", "-p", str(port), "bizdevops.asgi:application"]
    if server == "uvicorn":  # the same ASGI application on uvicorn with httptools and uvloop
        command = [sys.executable, "-m", "uvicorn", "--loop", "uvloop", "--http", "httptools"]
        command += [
            "--lifespan",
            "off",
            "--log-level",
            "warning",
            "--no-access-log",
            "--workers",
            str(processes),
        ]
        arguments = ["--host", "127.0.0.1", "--port", str(port), "bizdevops.asgi:application"]
    proc = subprocess.Popen(
        [*command, *arguments],  # noqa: S603
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/status", timeout=1)  # noqa: S310
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"daphne did not start; see {log.name}") from None
            time.sleep(0.2)


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    found = [pid]
    for tid_dir in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (tid_dir / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found.extend(_descendants(int(child)))
    return found


def _cpu_snapshot(sites: list[subprocess.Popen[bytes]], url: str) -> dict[str, float]:
    """CPU seconds so far of the site processes, of PostgreSQL's backends serving the bench database and
    of this process (the SDK workers; the starters' process reports its own): where the machine's time
    goes, per instance."""
    name = url.rsplit("/", 1)[1]
    with _connect(url) as conn:
        pids = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)
            )
        ]
    times = os.times()
    return {
        "site": sum(_proc_cpu(pid) for site in sites for pid in _descendants(site.pid)),
        "postgres": sum(_proc_cpu(pid) for pid in pids),
        "bench": times.user + times.system,
    }


def _start_instances(start_base: str, auth: str, count: int, interval: float) -> None:
    """Create `count` instances over REST, at most one per `interval` seconds. The load generator, not
    the system under test: a bare keep-alive HTTP client (http.client, ~0.25 ms of CPU per request here)
    instead of httpx (~1.1 ms)."""
    host, port = start_base.removeprefix("http://").split(":")
    http = http_client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Authorization": auth, "Content-Type": "application/json"}
    body = b'{"processDefinitionId": "bench_api"}'
    try:
        next_at = time.monotonic()
        for _ in range(count):
            if interval:
                next_at += interval
                time.sleep(max(0.0, next_at - time.monotonic()))
            http.request("POST", "/v2/process-instances", body, headers)
            response = http.getresponse()
            text = response.read()
            if response.status != 200:
                raise RuntimeError(f"start failed: HTTP {response.status} {text[:300]!r}")
    finally:
        http.close()


def _starters(
    start_base: str, auth: str, shares: list[int], interval: float, ready: Any, go: Any, out: Any
) -> None:
    """The starter threads, in a process of their own (started with spawn), so that they do not hold the
    GIL the SDK workers' event loop needs in the bench process: in production they are other programs.
    Reports its CPU seconds on `out` when every thread is done."""
    threads = [
        threading.Thread(target=_start_instances, args=(start_base, auth, n, interval)) for n in shares
    ]
    ready.set()
    go.wait()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = os.times()
    out.put(times.user + times.system)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    # The defaults are issue #5's check: 105 instances/s offered, worked by 48 SDK workers of 16 jobs each.
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=48, help="SDK job workers")
    parser.add_argument("--starters", type=int, default=12, help="threads creating instances")
    parser.add_argument("--concurrency", type=int, default=16, help="max concurrent jobs per worker")
    parser.add_argument(
        "--runner",
        choices=["sdk", "ours"],
        default="sdk",
        help="job workers: camunda-orchestration-sdk's (it sleeps 1 s after every poll) or "
        "bizdevops.api.worker over REST",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=105,
        help="start at most this many instances/s in total (0 = as fast as possible); pick-up "
        "latency is only meaningful below saturation, where jobs do not queue up",
    )
    parser.add_argument(
        "--sites",
        type=int,
        default=1,
        help="daphne processes: starters use the last, workers the first (needs REDIS_URL so a job created "
        "in one process wakes long polls in the other)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="daphne processes per site sharing one port (python -m bizdevops.api.serve; needs REDIS_URL)",
    )
    parser.add_argument(
        "--server",
        choices=("daphne", "uvicorn"),
        default="daphne",
        help="the ASGI server of the site: daphne (as `make run`) or uvicorn (httptools, uvloop; with "
        "--processes N its --workers N)",
    )
    args = parser.parse_args()
    if (args.sites > 1 or args.processes > 1) and not os.environ.get("REDIS_URL"):
        raise SystemExit("--sites > 1 needs REDIS_URL (job wake-ups cross processes over Redis pub/sub)")

    import httpx
    from loguru import logger

    logger.remove()  # the SDK logs every poll at DEBUG; the numbers are what this script prints
    from camunda_orchestration_sdk import CamundaAsyncClient
    from camunda_orchestration_sdk.runtime.job_worker import WorkerConfig

    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bizdevops_api_bench")
    (REPO / "data").mkdir(exist_ok=True)
    _prepare_database(url)
    ports = [_free_port() for _ in range(args.sites)]
    sites = [_start_site(url, port, args.processes, args.server) for port in ports]
    base = f"http://127.0.0.1:{ports[0]}"  # workers (and the deployment)
    start_base = f"http://127.0.0.1:{ports[-1]}"  # starters
    auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    try:
        with httpx.Client(base_url=base, headers={"Authorization": auth}, timeout=60) as http:
            response = http.post("/v2/deployments", files=[("resources", ("bench_api.bpmn", BPMN))])
            response.raise_for_status()
            # warm-up: the first requests pay for imports, caches and connections
            for _ in range(20):
                http.post(
                    "/v2/process-instances", json={"processDefinitionId": "bench_api"}
                ).raise_for_status()

        pickups: list[float] = []
        done = threading.Event()
        started_at: list[float] = []
        measured_from: list[float] = []  # wall clock: warm-up jobs before it are left out of the latencies
        cpu: list[dict[str, float]] = []  # CPU seconds at the start and the end of the measured run

        async def handle(job: Any) -> dict[str, Any]:
            pickups.append(float(job.deadline))  # activation time = deadline - timeout (server clock)
            return {}

        async def run() -> float:
            config = {
                "CAMUNDA_REST_ADDRESS": base,
                "CAMUNDA_AUTH_STRATEGY": "BASIC",
                "CAMUNDA_BASIC_AUTH_USERNAME": USER,
                "CAMUNDA_BASIC_AUTH_PASSWORD": PASSWORD,
                "CAMUNDA_SDK_LOG_LEVEL": "error",
            }
            # httpx's default pool (100 connections, 20 kept alive) is smaller than the workers' long polls
            # plus their completions: past 20 every request opened and closed a TCP connection, and past 100
            # requests queued for one. The SDK passes httpx_args through to its httpx.AsyncClient.
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=4 * args.workers + 64)
            async with CamundaAsyncClient(configuration=config, httpx_args={"limits": limits}) as client:
                for n in range(args.workers if args.runner == "sdk" else 0):
                    client.create_job_worker(
                        config=WorkerConfig(
                            job_type="bench-api-work",
                            job_timeout_milliseconds=JOB_TIMEOUT_MS,
                            request_timeout_milliseconds=10_000,
                            max_concurrent_jobs=args.concurrency,
                            worker_name=f"bench-{n}",
                        ),
                        callback=handle,
                    )
                ours: list[Any] = []
                if args.runner == "ours":
                    # bizdevops' own runner over REST: it polls again at once after a batch
                    from bizdevops.api.worker import RestTransport, WorkerRunner

                    def work(job: Any) -> dict[str, Any]:
                        pickups.append(0.0)
                        return {}

                    for _ in range(args.workers):
                        own = WorkerRunner(
                            {"bench-api-work": work},
                            RestTransport(base, username=USER, password=PASSWORD),
                            concurrency=args.concurrency,
                            timeout_ms=JOB_TIMEOUT_MS,
                        )
                        threading.Thread(target=own.run, daemon=True).start()
                        ours.append(own)
                runner = asyncio.create_task(client.run_workers())
                await asyncio.sleep(1.0)  # workers are long-polling now; the warm-up jobs drain
                total = args.instances + 20
                share = [
                    args.instances // args.starters + (1 if i < args.instances % args.starters else 0)
                    for i in range(args.starters)
                ]
                spawn = multiprocessing.get_context("spawn")
                ready, go, out = spawn.Event(), spawn.Event(), spawn.Queue()
                interval = args.starters / args.rate if args.rate else 0.0
                starters = spawn.Process(
                    target=_starters, args=(start_base, auth, share, interval, ready, go, out), daemon=True
                )
                starters.start()
                await asyncio.to_thread(ready.wait, 60)
                cpu.append(await asyncio.to_thread(_cpu_snapshot, sites, url))
                started_at.append(time.monotonic())
                measured_from.append(time.time())
                go.set()
                while len(pickups) < total:
                    await asyncio.sleep(0.01)
                # the last completions: wait until every instance is COMPLETED in the database
                finish = await asyncio.to_thread(_wait_completed, url, total)
                cpu.append(await asyncio.to_thread(_cpu_snapshot, sites, url))
                cpu[1]["starters"] = await asyncio.to_thread(out.get, True, 60)
                cpu[0]["starters"] = 0.0
                await asyncio.to_thread(starters.join, 10)
                done.set()
                for own in ours:
                    own.stop()
                runner.cancel()
                try:
                    await runner
                except asyncio.CancelledError:
                    pass
                return finish

        finish = asyncio.run(run())
        elapsed = finish - started_at[0]
        latencies = _pickup_latencies(url, measured_from[0])
    finally:
        for site in sites:
            site.terminate()
            try:
                site.wait(timeout=10)
            except subprocess.TimeoutExpired:
                site.kill()
    rate = args.instances / elapsed
    used = {part: cpu[1][part] - cpu[0][part] for part in cpu[0]}
    print(
        "CPU per instance: "
        + ", ".join(f"{part} {seconds * 1000 / args.instances:.1f} ms" for part, seconds in used.items())
        + f" (of {os.cpu_count()} CPUs x {elapsed:.1f} s = {(os.cpu_count() or 1) * elapsed * 1000 / args.instances:.1f} ms"
        " available per instance; the rest is other load on the machine or idle)"
    )
    p50, p99 = _percentile(latencies, 0.5), _percentile(latencies, 0.99)
    print(
        f"pick-up latency over {len(latencies)} jobs: p50 {p50:.1f} ms, p90 {_percentile(latencies, 0.9):.1f} ms, "
        f"p99 {p99:.1f} ms, max {max(latencies):.1f} ms, mean {statistics.fmean(latencies):.1f} ms"
    )
    print(
        f"api: {args.instances} instances in {elapsed:.2f} s = {rate:.0f} PI/s; pick-up p50 {p50:.0f} ms, "
        f"p99 {p99:.0f} ms (workers {args.workers}, starters {args.starters}, rate {args.rate or 'max'}, {args.runner} workers, {args.sites} site(s) x {args.processes} {args.server} process(es))"
    )
    met = rate >= 100 and p99 < 100
    print(
        f"goal (issue #5: >= 100 PI/s with p99 pick-up < 100 ms): {'met' if met else 'NOT met'}"
        f" (this run: {rate:.0f} PI/s, p99 {p99:.0f} ms; load average {os.getloadavg()[0]:.1f})"
    )


def _connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _wait_completed(url: str, total: int) -> float:
    with _connect(url) as conn:
        while True:
            (count,) = conn.execute(
                "SELECT count(*) FROM engine_processinstance WHERE bpmn_process_id = 'bench_api' "
                "AND status = 'COMPLETED'"
            ).fetchone()
            if count >= total:
                return time.monotonic()
            time.sleep(0.005)


def _pickup_latencies(url: str, since: float) -> list[float]:
    """Per job created after `since`: activation (deadline - lock timeout) minus creation, in ms, both from
    the server's records (the engine keeps the lock deadline on the completed job)."""
    with _connect(url) as conn:
        rows = conn.execute(
            "SELECT created_at, deadline FROM engine_job WHERE type = 'bench-api-work' AND deadline IS NOT NULL "
            "AND created_at >= to_timestamp(%s)",
            (since,),
        ).fetchall()
    if not rows:
        raise SystemExit("no job kept its lock deadline; cannot compute pick-up latency")
    return [
        (deadline.timestamp() - created.timestamp()) * 1000 - JOB_TIMEOUT_MS for created, deadline in rows
    ]


if __name__ == "__main__":
    main()
