"""Same state + command + clock + keys → same events; state survives a JSON round trip."""

from __future__ import annotations

import json

from bizdevops.engine.core.memory import InMemoryEngine
from bizdevops.engine.core.state import InstanceState
from tests.engine.core.harness import HERE


def run_scenario() -> InMemoryEngine:
    engine = InMemoryEngine()
    engine.deploy([("p.bpmn", (HERE / "parallel_gateway.bpmn").read_bytes())])
    key = engine.create_process_instance(
        bpmn_process_id="parallel_gateway", variables={"n": 1}
    ).process_instance_key
    [job_a] = engine.activate_jobs("a", "w", 1000, 1)
    engine.clock.advance(seconds=3)
    engine.complete_job(job_a.job_key, {"a": True})
    [job_b] = engine.activate_jobs("b", "w", 1000, 1)
    engine.complete_job(job_b.job_key, {"b": True})
    assert engine.get_process_instance(key) is not None
    return engine


def test_two_runs_produce_identical_history_and_state() -> None:
    first = run_scenario()
    second = run_scenario()
    assert first.store.history == second.store.history
    assert first.store.instances == second.store.instances
    assert first.store.jobs == second.store.jobs


def test_state_round_trips_through_json_with_its_format_version() -> None:
    engine = InMemoryEngine()
    engine.deploy([("p.bpmn", (HERE / "parallel_gateway.bpmn").read_bytes())])
    key = engine.create_process_instance(bpmn_process_id="parallel_gateway").process_instance_key
    [job_a] = engine.activate_jobs("a", "w", 1000, 1)
    engine.complete_job(job_a.job_key)
    state = engine.get_process_instance(key)
    assert state is not None
    data = json.loads(json.dumps(state.to_dict()))
    assert data["formatVersion"] == 1
    assert InstanceState.from_dict(data).to_dict() == state.to_dict()
