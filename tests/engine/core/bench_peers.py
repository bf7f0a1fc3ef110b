"""Quick in-memory throughput of the three peer processes (not a test; bench/engine.py is the real one).

    .venv/bin/python -m tests.engine.core.bench_peers [--n 5000] [--runs 5]

Prints instances/s (median of the runs) for p1 (script task + XOR), p2 (user task + XOR, completed in
code with approved=true) and p3 (10-branch parallel split/join of script tasks)."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bizdevops.engine.core.memory import InMemoryEngine

PEERS = Path(__file__).parent / "fixtures" / "peers"


def _engine() -> InMemoryEngine:
    # isolated=False: live state objects, as a worker holding the state for one command would
    engine = InMemoryEngine(isolated=False)
    engine.deploy([(p.name, p.read_bytes()) for p in sorted(PEERS.glob("*.bpmn"))])
    return engine


def run_p1(n: int) -> float:
    engine = _engine()
    start = time.perf_counter()
    for _ in range(n):
        engine.create_process_instance(bpmn_process_id="p1_script_xor")
    return n / (time.perf_counter() - start)


def run_p2(n: int) -> float:
    engine = _engine()
    tasks = engine.store.user_tasks
    start = time.perf_counter()
    for _ in range(n):
        engine.create_process_instance(bpmn_process_id="p2_user_xor")
        task_key = next(reversed(tasks))
        engine.complete_user_task(task_key, {"approved": True})
    return n / (time.perf_counter() - start)


def run_p3(n: int) -> float:
    engine = _engine()
    start = time.perf_counter()
    for _ in range(n):
        engine.create_process_instance(bpmn_process_id="p3_par10")
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for name, fn, n in (("p1", run_p1, args.n), ("p2", run_p2, args.n), ("p3", run_p3, max(1, args.n // 5))):
        rates = [fn(n) for _ in range(args.runs)]
        print(f"{name}: {statistics.median(rates):,.0f} instances/s (median of {args.runs}, n={n})")  # noqa: T201


if __name__ == "__main__":
    main()
