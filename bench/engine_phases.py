"""Where the persisted p2 instance of bench/engine.py spends its time, phase by phase.

p2 (user task + XOR) end to end on PostgreSQL: start the instance (commit 1), complete its open task at the
element (commit 2; the engine finds the task in the instance's state under the instance lock). For each
phase: wall time, this process's CPU time and the PostgreSQL backend's CPU time (from /proc/<pid>/schedstat,
so run it on the database's machine), per instance, and SpiffWorkflow's persisted p2 beside it (client CPU,
server CPU and wall time).

    .venv/bin/python bench/engine_phases.py --n 1000

Environment: BENCH_DATABASE_URL as bench/engine.py (default postgres://postgres@127.0.0.1:5432/bizdevops_bench).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine as bench  # noqa: E402  (bench/engine.py: the processes and the SpiffWorkflow runner)


def backend_cpu(pid: int) -> float:
    """Seconds of CPU the PostgreSQL backend `pid` has used (Linux schedstat: nanoseconds on CPU)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9


def ours(n: int) -> None:
    from django.db import connection

    runner = bench.OursPersisted()
    services = runner.services
    for _ in range(50):
        runner.run("p2_user_xor")
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    wall, cpu, server = [0.0] * 2, [0.0] * 2, [0.0] * 2
    gc.collect()
    for _ in range(n):
        marks: list[tuple[float, float, float]] = [
            (time.perf_counter(), time.process_time(), backend_cpu(pid))
        ]
        key = bench._instance_key(services.create_process_instance(bpmn_process_id="p2_user_xor"))
        marks.append((time.perf_counter(), time.process_time(), backend_cpu(pid)))
        services.complete_user_task_at(
            process_instance_key=key, element_id="approve", variables={"approved": True}
        )
        marks.append((time.perf_counter(), time.process_time(), backend_cpu(pid)))
        for phase in range(2):
            wall[phase] += marks[phase + 1][0] - marks[phase][0]
            cpu[phase] += marks[phase + 1][1] - marks[phase][1]
            server[phase] += marks[phase + 1][2] - marks[phase][2]
    print("ours p2, ms per instance     create  complete   total")
    for label, values in (("wall", wall), ("client CPU", cpu), ("PostgreSQL CPU", server)):
        per = [v / n * 1000 for v in values]
        print(f"  {label:<24}{per[0]:>8.3f}{per[1]:>10.3f}{sum(per):>8.3f}")


def spiff(n: int, url: str) -> None:
    import psycopg

    logging.getLogger("spiff").setLevel(logging.WARNING)
    runner = bench.Spiff(Path(tempfile.mkdtemp(prefix="bench-phases-")))
    with psycopg.connect(url) as conn:
        cursor = conn.cursor()
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS spiff_state (id bigserial PRIMARY KEY, state jsonb NOT NULL)"
        )
        conn.commit()
        sizes: list[int] = []
        for _ in range(30):
            runner.run_persisted("p2_user_xor", cursor, conn, sizes)
        pid = conn.info.backend_pid
        gc.collect()
        w0, c0, s0 = time.perf_counter(), time.process_time(), backend_cpu(pid)
        for _ in range(n):
            runner.run_persisted("p2_user_xor", cursor, conn, sizes)
        w1, c1, s1 = time.perf_counter(), time.process_time(), backend_cpu(pid)
        cursor.execute("TRUNCATE spiff_state")
        conn.commit()
    per: Any = [(b - a) / n * 1000 for a, b in ((w0, w1), (c0, c1), (s0, s1))]
    print(
        f"spiff p2, ms per instance: wall {per[0]:.3f}, client CPU {per[1]:.3f}, PostgreSQL CPU {per[2]:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000, help="instances per engine")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", bench.DEFAULT_DB)
    bench.prepare_database(url)
    ours(args.n)
    spiff(max(1, args.n // 3), url)


if __name__ == "__main__":
    main()
