"""Engine throughput against SpiffWorkflow, in one run on one machine (issue #4, "Tests and numbers").

The three peer processes of ../shared/peers (p1 script task + XOR, p2 user task + XOR, p3 10-branch parallel
split/join) run four ways, each timed as instances/s (median of --runs runs after a warm-up):

  ours memory     : the pure core (Engine + InMemoryStore), FEEL scripts and conditions
  ours persisted  : end to end on PostgreSQL through bizdevops.engine.services: every command is one
                    transaction (lock the instance row, load the JSONB state, compute, apply, commit)
  spiff memory    : SpiffWorkflow 3.x, Python scripts and conditions (bench_spiff.py's `mem`)
  spiff persisted : SpiffWorkflow serializing its JSON state into a PostgreSQL row at each wait state and
                    reading it back (SELECT + deserialize) before the next step, one commit per wait state

It also prints the state bytes per instance (JSON document at the wait state / at the end; engine rows per
instance) and a pgbench single-client commit rate on a scratch database: the ceiling for anything that
commits once per command.

Setup (SpiffWorkflow is a bench-only dependency, not a project one):
    .venv/bin/pip install 'spiffworkflow>=3,<4'
    .venv/bin/python bench/engine.py                     # PostgreSQL at 127.0.0.1:5432, user postgres
Options: --n (instances per memory run, default 1000; persisted runs use n/5), --runs (default 5),
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bizdevops_bench; created and migrated).
The last line is the summary:
    ratios vs SpiffWorkflow: memory p1=X p2=X p3=X; persisted p1=X p2=X p3=X
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PEERS = ROOT.parent / "shared" / "peers"
if not PEERS.exists():
    PEERS = Path("/work/shared/peers")

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/bizdevops_bench"
PIDS = ("p1_script_xor", "p2_user_xor", "p3_par10")
SHORT = {"p1_script_xor": "p1", "p2_user_xor": "p2", "p3_par10": "p3"}

# -- the processes in the Camunda 8 dialect (same topology as ../shared/peers/make_bpmn.py) --------------

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs_{pid}" '
    'targetNamespace="http://bpmn.io/schema/bpmn">\n<bpmn:process id="{pid}" isExecutable="true">\n'
)
_TAIL = "</bpmn:process>\n</bpmn:definitions>\n"


def _flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>\n'
    return (
        f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
        f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>\n"
    )


def _script(tid: str, expression: str, result: str) -> str:
    return (
        f'<bpmn:scriptTask id="{tid}"><bpmn:extensionElements>'
        f'<zeebe:script expression="{expression}" resultVariable="{result}"/>'
        f"</bpmn:extensionElements></bpmn:scriptTask>\n"
    )


def camunda8_bpmn(pid: str) -> str:
    x = _HEAD.format(pid=pid)
    if pid == "p1_script_xor":
        x += '<bpmn:startEvent id="start"/>\n' + _script("set_x", "=42", "x")
        x += '<bpmn:exclusiveGateway id="xor" default="f_low"/>\n'
        x += '<bpmn:endEvent id="end_high"/>\n<bpmn:endEvent id="end_low"/>\n'
        x += _flow("f1", "start", "set_x") + _flow("f2", "set_x", "xor")
        x += _flow("f_high", "xor", "end_high", "=x &gt; 10") + _flow("f_low", "xor", "end_low")
    elif pid == "p2_user_xor":
        x += '<bpmn:startEvent id="start"/>\n'
        x += '<bpmn:userTask id="approve"><bpmn:extensionElements><zeebe:userTask/></bpmn:extensionElements></bpmn:userTask>\n'
        x += '<bpmn:exclusiveGateway id="xor" default="f_rej"/>\n'
        x += '<bpmn:endEvent id="end_ok"/>\n<bpmn:endEvent id="end_rejected"/>\n'
        x += _flow("f1", "start", "approve") + _flow("f2", "approve", "xor")
        x += _flow("f_ok", "xor", "end_ok", "=approved = true") + _flow("f_rej", "xor", "end_rejected")
    else:
        x += '<bpmn:startEvent id="start"/>\n<bpmn:parallelGateway id="split"/>\n'
        x += '<bpmn:parallelGateway id="join"/>\n<bpmn:endEvent id="end"/>\n'
        x += _flow("f0", "start", "split") + _flow("fz", "join", "end")
        for i in range(10):
            x += _script(f"b{i}", f"={i}", f"b{i}")
            x += _flow(f"fa{i}", "split", f"b{i}") + _flow(f"fb{i}", f"b{i}", "join")
    return x + _TAIL


# -- timing ----------------------------------------------------------------------------------------------


def measure(
    modes: dict[str, tuple[Callable[[], Any], int, Callable[[Any], None]]], runs: int
) -> dict[str, float]:
    """Median instances/s of each mode. The runs of all modes alternate (ours, theirs, ours, ...), so a
    load change on this shared machine hits every mode alike instead of skewing one ratio; each run is
    preceded by an untimed tenth of itself (see below). A mode's
    `reset` callables run (untimed) before and after each of its runs: the in-memory store holds every
    instance it ran, and the modes timed next must not pay garbage-collection scans over that heap."""
    for run_one, n, check, *_ in modes.values():
        for _ in range(max(1, n // 10)):  # warm-up (caches, first-use imports, connection)
            result = run_one()
        check(result)
    # Everything alive now (Django, SpiffWorkflow, the deployments, first-use imports: about 150,000
    # objects) moves out of the collector's sight, for every mode alike, as a long-running worker does
    # after start-up (bizdevops.runtime.freeze_startup_heap). Otherwise each full collection, every few
    # hundred instances, scans that heap which neither engine made, and the faster engine pays a larger
    # share of its time for it (p3 in memory: 192 instead of 115 us per instance).
    gc.collect()
    gc.freeze()
    rates: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(runs):
        for name, (run_one, n, check, *reset) in modes.items():
            for fresh in reset:  # untimed: e.g. an empty in-memory store, so runs do not grow the heap
                fresh()
            # Untimed warm-up of this mode right before its run: the mode timed before it may have left
            # the database server idle (a memory mode), and an idle virtual CPU comes back slowly: the
            # first persisted instances after a pause took 1.4-3.6 ms instead of 0.5 ms, and the run
            # stayed slower for a while. Without this, the persisted mode timed first after the memory
            # modes (ours) paid that, and the one timed right after it (SpiffWorkflow) found a warm server.
            for _ in range(max(1, n // 10)):
                run_one()
            gc.collect()  # untimed: no mode pays for collecting the garbage another mode left
            t0 = time.perf_counter()
            for _ in range(n):
                result = run_one()
            rates[name].append(n / (time.perf_counter() - t0))
            if os.environ.get("BENCH_VERBOSE"):
                print(name, round(rates[name][-1]), file=sys.stderr)
            check(result)
            for fresh in reset:  # and again after: the other modes must not run beside this mode's heap
                fresh()
            result = None
    return {name: statistics.median(values) for name, values in rates.items()}


# -- SpiffWorkflow ---------------------------------------------------------------------------------------


class Spiff:
    def __init__(self, workdir: Path) -> None:
        try:
            from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
            from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
            from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
            from SpiffWorkflow.util.task import TaskState
        except ImportError:
            sys.exit("SpiffWorkflow is missing: .venv/bin/pip install 'spiffworkflow>=3,<4'")
        sys.path.insert(0, str(PEERS))
        import make_bpmn  # the peers' generator: the same processes in SpiffWorkflow's Python dialect

        self.BpmnWorkflow = BpmnWorkflow
        self.TaskState = TaskState
        self.serializer = BpmnWorkflowSerializer()
        self.specs: dict[str, Any] = {}
        for pid, make in (
            ("p1_script_xor", make_bpmn.p1),
            ("p2_user_xor", make_bpmn.p2),
            ("p3_par10", make_bpmn.p3),
        ):
            path = workdir / f"{pid}.bpmn"
            path.write_text(make("spiff"))
            parser = BpmnParser()
            parser.add_bpmn_file(str(path))
            self.specs[pid] = parser.get_spec(pid)

    def _complete_user_tasks(self, wf: Any) -> None:
        for task in wf.get_tasks(state=self.TaskState.READY, manual=True):
            task.data["approved"] = True
            task.run()

    def run_memory(self, pid: str) -> Any:
        wf = self.BpmnWorkflow(self.specs[pid])
        wf.do_engine_steps()
        while not wf.is_completed():
            self._complete_user_tasks(wf)
            wf.do_engine_steps()
        return wf

    def run_persisted(self, pid: str, cursor: Any, conn: Any, sizes: list[int]) -> Any:
        """Each wait state is one committed write of the whole JSON state; the next step starts from a
        SELECT of that row, as a service handling a separate request would."""
        wf = self.BpmnWorkflow(self.specs[pid])
        wf.do_engine_steps()
        text = self.serializer.serialize_json(wf)
        sizes.append(len(text))
        cursor.execute("INSERT INTO spiff_state (state) VALUES (%s) RETURNING id", (text,))
        row_id = cursor.fetchone()[0]
        conn.commit()
        while not wf.is_completed():
            cursor.execute("SELECT state::text FROM spiff_state WHERE id = %s FOR UPDATE", (row_id,))
            wf = self.serializer.deserialize_json(cursor.fetchone()[0])
            self._complete_user_tasks(wf)
            wf.do_engine_steps()
            text = self.serializer.serialize_json(wf)
            sizes.append(len(text))
            cursor.execute("UPDATE spiff_state SET state = %s WHERE id = %s", (text, row_id))
            conn.commit()
        return wf

    def check(self, pid: str) -> Callable[[Any], None]:
        def check(wf: Any) -> None:
            assert wf.is_completed(), pid
            done = {t.task_spec.bpmn_id for t in wf.get_tasks(state=self.TaskState.COMPLETED)}
            expected = {"p1_script_xor": "end_high", "p2_user_xor": "end_ok", "p3_par10": "end"}[pid]
            assert expected in done, (pid, done)

        return check


# -- ours ------------------------------------------------------------------------------------------------


class OursMemory:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """A new engine and empty store: the in-memory store keeps every instance and history record, and
        a heap grown by earlier runs would slow later ones (garbage collection scans it); SpiffWorkflow's
        runs keep nothing either."""
        from bizdevops.engine.core.clock import SystemClock
        from bizdevops.engine.core.keys import CounterKeys
        from bizdevops.engine.core.memory import InMemoryStore
        from bizdevops.engine.core.runtime import Engine

        # isolated=False: live objects, no JSON round trip (SpiffWorkflow's memory mode keeps live objects too)
        self.store = InMemoryStore(isolated=False)
        self.engine = Engine(self.store, SystemClock(), CounterKeys())
        self.engine.deploy(resources=[(f"{pid}.bpmn", camunda8_bpmn(pid).encode()) for pid in PIDS])

    def run(self, pid: str) -> Any:
        engine = self.engine
        instance = engine.create_process_instance(bpmn_process_id=pid)
        key = _instance_key(instance)
        if pid == "p2_user_xor":
            # the open task at its element, found in the instance's state (as in the persisted mode)
            engine.complete_user_task_at(key, "approve", {"approved": True})
        return key

    def check(self, pid: str) -> Callable[[Any], None]:
        def check(key: Any) -> None:
            state = self.store.load_instance(key, for_update=False)
            assert state is not None, pid
            assert state.status == "COMPLETED", (pid, state)

        return check

    def state_bytes(self, pid: str) -> int:
        """Size of the JSON document at the wait state (p2) or the end (p1, p3)."""
        from bizdevops.engine.core.clock import SystemClock
        from bizdevops.engine.core.keys import CounterKeys
        from bizdevops.engine.core.memory import InMemoryStore
        from bizdevops.engine.core.runtime import Engine

        store = InMemoryStore()
        engine = Engine(store, SystemClock(), CounterKeys())
        engine.deploy(resources=[(f"{pid}.bpmn", camunda8_bpmn(pid).encode())])
        key = _instance_key(engine.create_process_instance(bpmn_process_id=pid))
        state = store.load_instance(key, for_update=False)
        return len(json.dumps(state.to_dict(), separators=(",", ":")))


class OursPersisted:
    def __init__(self) -> None:
        from bizdevops.engine import hooks, services

        # Other apps' after-commit listeners (Tasklist's live push over Channels) are not the engine: the
        # comparison with SpiffWorkflow's bare JSON save measures engine + persistence only.
        hooks._user_task_listeners.clear()
        self.services = services
        services.deploy_resources(resources=[(f"{pid}.bpmn", camunda8_bpmn(pid).encode()) for pid in PIDS])

    def run(self, pid: str) -> Any:
        services = self.services
        key = _instance_key(services.create_process_instance(bpmn_process_id=pid))
        if pid == "p2_user_xor":
            # Complete the open task at its element in a second transaction: the engine finds the task in
            # the instance's state under the instance lock, as SpiffWorkflow finds its ready task in the
            # workflow it deserializes from the locked row (the caller does not know the task's key).
            services.complete_user_task_at(
                process_instance_key=key, element_id="approve", variables={"approved": True}
            )
        return key

    def check(self, pid: str) -> Callable[[Any], None]:
        from bizdevops.engine.state.models import ProcessInstance

        def check(key: Any) -> None:
            status = ProcessInstance.objects.filter(key=key).values_list("status", flat=True).first()
            assert status == "COMPLETED", (pid, status)

        return check


def _instance_key(result: Any) -> int:
    if isinstance(result, int):
        return result
    for name in ("process_instance_key", "key"):
        if hasattr(result, name):
            return int(getattr(result, name))
    raise TypeError(f"cannot find the instance key in {result!r}")


# -- database ---------------------------------------------------------------------------------------------


def prepare_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bizdevops.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    # Earlier runs left dead rows and index entries behind (every user task is inserted open, then
    # completed); without autovacuum (off on some test servers) they pile up run after run and slow the
    # queries of later runs. SpiffWorkflow's table is emptied before each run; ours is vacuumed.
    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("engine_processinstance", "engine_usertask", "engine_variable", "engine_history"):
            conn.execute(f"VACUUM ANALYZE {table}")


def engine_bytes_per_instance(n_instances: int) -> dict[str, float]:
    from django.db import connection

    tables = ["engine_processinstance", "engine_history", "engine_variable", "engine_usertask", "engine_job"]
    sizes: dict[str, float] = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM {table} t")
            sizes[table] = cursor.fetchone()[0] / max(n_instances, 1)
    return sizes


def pgbench_tps(url: str, seconds: int = 5) -> float | None:
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    scratch = "bizdevops_pgbench_scratch"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (scratch,)).fetchone():
            conn.execute(f'CREATE DATABASE "{scratch}"')
    target = url.rsplit("/", 1)[0] + "/" + scratch
    try:
        subprocess.run(
            ["pgbench", "-i", "-q", "-s", "1", target], check=True, capture_output=True, timeout=120
        )
        out = subprocess.run(
            ["pgbench", "-n", "-c", "1", "-T", str(seconds), "-b", "simple-update", target],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"pgbench failed: {exc}")
        return None
    found = re.search(r"tps = ([0-9.]+)", out)
    return float(found.group(1)) if found else None


# -- main ------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000, help="instances per memory run (persisted: n/5)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pgbench-seconds", type=int, default=5)
    parser.add_argument("--processes", default="p1,p2,p3", help="subset to run, e.g. p1,p3")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)

    workdir = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    logging.getLogger("spiff").setLevel(logging.WARNING)  # it logs every task state change at INFO
    spiff = Spiff(workdir)
    prepare_database(url)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS spiff_state (id bigserial PRIMARY KEY, state jsonb NOT NULL)"
        )
        cursor.execute("TRUNCATE spiff_state")

    import psycopg

    spiff_conn = psycopg.connect(url)
    spiff_cursor = spiff_conn.cursor()
    ours_memory = OursMemory()
    ours_persisted = OursPersisted()
    n_mem, n_db = args.n, max(1, args.n // 5)
    results: dict[tuple[str, str], float] = {}
    spiff_sizes: dict[str, int] = {}

    print(
        f"instances/s, median of {args.runs} runs (memory n={n_mem}, persisted n={n_db}); python {sys.version.split()[0]}"
    )
    print(
        f"{'process':<16}{'ours mem':>12}{'spiff mem':>12}{'ratio':>8}{'ours db':>12}{'spiff db':>12}{'ratio':>8}"
    )
    selected = [p for p in PIDS if SHORT[p] in args.processes.split(",")]
    for pid in selected:
        sizes: list[int] = []
        medians = measure(
            {
                "ours_mem": (
                    lambda pid=pid: ours_memory.run(pid),
                    n_mem,
                    ours_memory.check(pid),
                    ours_memory.reset,
                ),
                "spiff_mem": (lambda pid=pid: spiff.run_memory(pid), n_mem, spiff.check(pid)),
                "ours_db": (lambda pid=pid: ours_persisted.run(pid), n_db, ours_persisted.check(pid)),
                "spiff_db": (
                    lambda pid=pid, sizes=sizes: spiff.run_persisted(pid, spiff_cursor, spiff_conn, sizes),
                    n_db,
                    spiff.check(pid),
                ),
            },
            args.runs,
        )
        spiff_sizes[pid] = max(sizes)
        for mode, rate in medians.items():
            results[(pid, mode)] = rate
        r = results
        print(
            f"{pid:<16}{r[(pid, 'ours_mem')]:>12.0f}{r[(pid, 'spiff_mem')]:>12.0f}"
            f"{r[(pid, 'ours_mem')] / r[(pid, 'spiff_mem')]:>7.1f}x"
            f"{r[(pid, 'ours_db')]:>12.0f}{r[(pid, 'spiff_db')]:>12.0f}"
            f"{r[(pid, 'ours_db')] / r[(pid, 'spiff_db')]:>7.1f}x",
            flush=True,
        )

    from bizdevops.engine.state.models import ProcessInstance

    total = ProcessInstance.objects.count()
    print("state bytes per instance (JSON document; p2 at its wait state, p1/p3 at the end):")
    for pid in selected:
        print(
            f"  {pid:<16} ours {ours_memory.state_bytes(pid):>6}   spiff (largest save) {spiff_sizes[pid]:>6}"
        )
    rows = engine_bytes_per_instance(total)
    print(
        "engine rows per instance (bytes, all processes mixed): "
        + ", ".join(f"{table.removeprefix('engine_')}={size:.0f}" for table, size in rows.items())
    )
    tps = pgbench_tps(url, args.pgbench_seconds)
    if tps is not None:
        print(
            f"pgbench single client (simple-update, {args.pgbench_seconds}s): {tps:.0f} commits/s (ceiling)"
        )
    spiff_conn.close()
    memory = " ".join(
        f"{SHORT[p]}={results[(p, 'ours_mem')] / results[(p, 'spiff_mem')]:.1f}" for p in selected
    )
    persisted = " ".join(
        f"{SHORT[p]}={results[(p, 'ours_db')] / results[(p, 'spiff_db')]:.1f}" for p in selected
    )
    print(f"ratios vs SpiffWorkflow: memory {memory}; persisted {persisted}")


if __name__ == "__main__":
    main()
