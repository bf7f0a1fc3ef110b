"""CPU per request of the job loop's three REST endpoints, in-process (issue #5: where the site's time goes).

Runs the site's ASGI application (bizdevops.asgi, the production settings as bench/api.py runs them) in this
process without a server or sockets, and drives, --rounds times: `POST /v2/process-instances` (HTTP Basic),
`POST /v2/jobs/activation` (maxJobsToActivate 1, the job just created), `POST /v2/jobs/{key}/completion`.
Prints the CPU time (time.process_time: every thread of this process, so the API pool's too) per request
of each endpoint: the site's own cost, without daphne's HTTP parsing (~2.5 ms per request) and without the
PostgreSQL backend's. Wall-clock time on a shared machine says little; CPU per request does.

    .venv/bin/python bench/api_requests.py --rounds 300
    .venv/bin/python bench/api_requests.py --rounds 300 --profile activation   # cProfile one endpoint

With --profile ENDPOINT (create | activation | completion) the requests run on this thread (the pool's
hop skipped) under cProfile, and the top functions by cumulative and own time are printed.
Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bizdevops_api_requests_bench;
dropped, created and migrated).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.api import BPMN, PASSWORD, USER, _prepare_database, site_environment  # noqa: E402

ENDPOINTS = ("create", "activation", "completion")


def _scope(method: str, path: str, body: bytes, content_type: bytes) -> dict[str, Any]:
    auth = b"Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode())
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", auth),
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            (b"accept", b"application/json"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _call(app: Any, method: str, path: str, body: bytes, content_type: bytes) -> tuple[int, bytes]:
    """One request through the ASGI application; (status, body)."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 0
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(_scope(method, path, body, content_type), receive, send)
    return status, b"".join(chunks)


def _sync_call(api: Any, method: str, path: str, body: bytes) -> tuple[int, bytes]:
    """One request on this thread (for cProfile): the API handler's sync part, without the pool hop."""
    scope = _scope(method, path, body, b"application/json")
    response = api._respond(scope, io.BytesIO(body))
    return response.status_code, response.content


def _multipart(name: str, content: bytes) -> tuple[bytes, bytes]:
    boundary = "benchboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="resources"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}".encode()


CREATE = json.dumps({"processDefinitionId": "bench_api"}).encode()
ACTIVATE = json.dumps(
    {
        "type": "bench-api-work",
        "worker": "bench",
        "timeout": 60000,
        "maxJobsToActivate": 1,
        "requestTimeout": 1,
    }
).encode()
COMPLETE = json.dumps({"variables": {}}).encode()


async def _round(app: Any) -> dict[str, float]:
    """create → activate → complete once; CPU seconds per endpoint."""
    used: dict[str, float] = {}
    t0 = time.process_time()
    status, _ = await _call(app, "POST", "/v2/process-instances", CREATE, b"application/json")
    assert status == 200, status
    t1 = time.process_time()
    status, content = await _call(app, "POST", "/v2/jobs/activation", ACTIVATE, b"application/json")
    assert status == 200, (status, content)
    jobs = json.loads(content)["jobs"]
    assert len(jobs) == 1, content
    t2 = time.process_time()
    status, content = await _call(
        app, "POST", f"/v2/jobs/{jobs[0]['jobKey']}/completion", COMPLETE, b"application/json"
    )
    assert status == 204, (status, content)
    t3 = time.process_time()
    used["create"], used["activation"], used["completion"] = t1 - t0, t2 - t1, t3 - t2
    return used


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--profile", choices=ENDPOINTS, default=None)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()

    url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bizdevops_api_requests_bench"
    )
    _prepare_database(url)
    os.environ.update(site_environment(url))
    os.environ.pop("REDIS_URL", None)  # in-process: wake-ups stay local
    from bizdevops.asgi import application

    async def run() -> dict[str, list[float]]:
        body, content_type = _multipart("bench_api.bpmn", BPMN)
        status, content = await _call(application, "POST", "/v2/deployments", body, content_type)
        assert status == 200, (status, content)
        for _ in range(args.warmup):
            await _round(application)
        samples: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
        if args.profile:
            return samples
        for _ in range(args.rounds):
            for name, seconds in (await _round(application)).items():
                samples[name].append(seconds)
        return samples

    samples = asyncio.run(run())
    if args.profile:
        _profile(application, args.profile, args.rounds, args.top)
        return
    # The mean over each fifth of the rounds, and the lowest of those five: other load on a shared machine
    # only ever adds (cache misses, frequency), so the lowest batch is the steadiest figure.
    total = 0.0
    for name in ENDPOINTS:
        size = max(1, len(samples[name]) // 5)
        batches = [samples[name][i : i + size] for i in range(0, len(samples[name]), size)]
        means = [sum(batch) / len(batch) * 1000 for batch in batches if len(batch) == size]
        total += min(means)
        print(
            f"{name}: {min(means):.2f} ms CPU per request (lowest of {len(means)} batch means; "
            f"all rounds {sum(samples[name]) / len(samples[name]) * 1000:.2f} ms)"
        )
    print(
        f"api_requests: {total:.2f} ms CPU per create+activation+completion "
        f"({args.rounds} rounds, in-process, without daphne)"
    )


def _profile(application: Any, endpoint: str, rounds: int, top: int) -> None:
    """Run `rounds` rounds on this thread, profiling only `endpoint`'s requests."""
    from bizdevops.api import pool

    api = application.application_mapping["http"].api
    pool._init_thread()  # this thread acts as a pool thread: the slots' persistent connections
    profiler = cProfile.Profile(time.process_time)  # CPU time, not time spent waiting for PostgreSQL
    for _ in range(rounds):
        calls = [
            ("create", "/v2/process-instances", CREATE),
            ("activation", "/v2/jobs/activation", ACTIVATE),
        ]
        job_key = None
        for name, path, body in calls:
            if name == endpoint:
                profiler.enable()
            status, content = _sync_call(api, "POST", path, body)
            if name == endpoint:
                profiler.disable()
            assert status == 200, (status, content)
            if name == "activation":
                job_key = json.loads(content)["jobs"][0]["jobKey"]
        if endpoint == "completion":
            profiler.enable()
        status, content = _sync_call(api, "POST", f"/v2/jobs/{job_key}/completion", COMPLETE)
        if endpoint == "completion":
            profiler.disable()
        assert status == 204, (status, content)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    for pattern in os.environ.get("BENCH_PROFILE_CALLEES", "").split(","):
        if pattern:
            stats.sort_stats("cumulative").print_callees(pattern)
    print(out.getvalue())


if __name__ == "__main__":
    main()
