"""DjangoStore: every record comes back equal to what was saved (the Store protocol's rule), and the
persisted instance document round-trips with its format version."""

from __future__ import annotations

import json

import pytest

from bizdevops.engine import selectors
from bizdevops.engine.core.commands import CompleteJob, CreateProcessInstance, PublishMessage
from bizdevops.engine.core.records import (
    Deployment,
    HistoryRecord,
    IncidentRecord,
    JobRecord,
    MessageRecord,
    MessageSubscriptionRecord,
    ProcessDefinition,
    SignalSubscriptionRecord,
    TimerRecord,
    UserTaskRecord,
)
from bizdevops.engine.core.state import FORMAT_VERSION, ElementInstance, InstanceState
from bizdevops.engine.state import models as m
from bizdevops.engine.state.keys import KEY_BASE, DbKeyGenerator
from bizdevops.engine.state.store import DjangoStore

pytestmark = pytest.mark.django_db

NOW = 1_790_000_000_123  # epoch ms with a millisecond part, to catch rounding


def _definition(key: int = 100, version: int = 1) -> ProcessDefinition:
    return ProcessDefinition(
        key=key,
        bpmn_process_id="order",
        version=version,
        resource_name="order.bpmn",
        checksum="ab" * 32,
        resource=b"<definitions/>",
        deployment_key=key - 1,
        name="Order",
    )


def _deploy(store: DjangoStore, key: int = 100, version: int = 1) -> ProcessDefinition:
    definition = _definition(key, version)
    with store.transaction():
        store.save_deployment(Deployment(key=key - 1, created_at=NOW, processes=(definition,)))
    return definition


def _state(key: int = 500, definition_key: int = 100) -> InstanceState:
    root = ElementInstance(
        key=key,
        element_id="order",
        element_type="PROCESS",
        state="ELEMENT_ACTIVATED",
        flow_scope_key=None,
        active_children=1,
    )
    task = ElementInstance(
        key=key + 1,
        element_id="pay",
        element_type="SERVICE_TASK",
        state="ELEMENT_ACTIVATED",
        flow_scope_key=key,
        job_key=key + 2,
        joins={"join": {"f1": 1}},
        mi_items=[1, "two", {"three": 3}],
    )
    return InstanceState(
        key=key,
        process_definition_key=definition_key,
        bpmn_process_id="order",
        version=1,
        elements={root.key: root, task.key: task},
        variables={
            key: {"amount": 12.5, "items": ["a", "b"], "customer": {"name": "김철수"}},
            key + 1: {"local": None},
        },
        start_time=NOW,
    )


def test_definition_round_trip_and_latest_version() -> None:
    # given two versions of one process
    store = DjangoStore()
    first = _deploy(store, 100, 1)
    second = _deploy(store, 200, 2)
    # when they are read back
    with store.transaction():
        by_key = store.get_process_definition(100)
        latest = store.latest_process_definition("order")
        pinned = store.latest_process_definition("order", version=1)
    # then they are equal to what was saved, and "latest" is version 2
    assert by_key == first
    assert latest == second
    assert pinned == first
    assert m.Deployment.objects.get(key=99).resources[0]["id"] == "order"


def test_instance_state_round_trip_keeps_format_version_and_values() -> None:
    # given a saved instance with nested variables and bookkeeping fields
    store = DjangoStore()
    _deploy(store)
    state = _state()
    with store.transaction():
        store.save_instances([state])
    # when it is loaded back under lock
    with store.transaction():
        loaded = store.load_instance(500, for_update=True)
    # then it equals the saved one, and the row carries the format version
    assert loaded is not None
    assert loaded.to_dict() == state.to_dict()
    row = m.ProcessInstance.objects.get(key=500)
    assert row.format_version == FORMAT_VERSION
    assert row.state["formatVersion"] == FORMAT_VERSION
    assert row.status == "ACTIVE"


def test_unknown_format_version_is_refused_not_guessed() -> None:
    # given a row whose document claims a future format
    store = DjangoStore()
    _deploy(store)
    with store.transaction():
        store.save_instances([_state()])
    document = m.ProcessInstance.objects.get(key=500).state
    document["formatVersion"] = FORMAT_VERSION + 1
    m.ProcessInstance.objects.filter(key=500).update(state=document)
    # when it is loaded, then the store refuses rather than misreading it
    with pytest.raises(ValueError, match="format"), store.transaction():
        store.load_instance(500, for_update=False)


def test_variables_search_table_follows_changes_only() -> None:
    # given an instance saved with variables
    store = DjangoStore()
    _deploy(store)
    state = _state()
    with store.transaction():
        store.save_instances([state])
    assert dict(m.Variable.objects.filter(scope_key=500).values_list("name", "value")) == {
        "amount": 12.5,
        "items": ["a", "b"],
        "customer": {"name": "김철수"},
    }
    # when a later command changes one variable and adds another
    with store.transaction():
        loaded = store.load_instance(500, for_update=True)
        assert loaded is not None
        loaded.variables[500]["amount"] = 99
        loaded.variables[500]["approved"] = True
        store.save_instances([loaded])
    # then the search table shows the new values (one row per scope and name)
    values = dict(m.Variable.objects.filter(scope_key=500).values_list("name", "value"))
    assert values["amount"] == 99
    assert values["approved"] is True
    assert m.Variable.objects.filter(scope_key=500, name="amount").count() == 1


def test_job_user_task_timer_incident_records_round_trip() -> None:
    store = DjangoStore()
    job = JobRecord(
        key=11,
        type="payment",
        state="ACTIVATED",
        retries=2,
        process_instance_key=500,
        process_definition_key=100,
        bpmn_process_id="order",
        process_definition_version=1,
        element_id="pay",
        element_instance_key=501,
        created_at=NOW,
        custom_headers={"method": "card"},
        worker="w1",
        deadline=NOW + 30_000,
        retry_at=None,
        error_message="boom",
        priority=3,
    )
    task = UserTaskRecord(
        key=12,
        state="CREATED",
        element_id="approve",
        element_instance_key=502,
        process_instance_key=500,
        process_definition_key=100,
        bpmn_process_id="order",
        process_definition_version=1,
        created_at=NOW,
        name="Approve",
        assignee="kim",
        candidate_users=("lee", "park"),
        candidate_groups=("finance",),
        due_date="2026-12-01T10:00:00+09:00",
        follow_up_date="2026-11-30T10:00:00Z",
        priority=70,
        form_id="approve-form",
        custom_headers={"k": "v"},
    )
    timer = TimerRecord(
        key=13,
        due=NOW + 5000,
        element_id="wait",
        process_definition_key=100,
        process_instance_key=500,
        element_instance_key=503,
        repetitions=-1,
        interval=60_000,
    )
    incident = IncidentRecord(
        key=14,
        state="ACTIVE",
        error_type="JOB_NO_RETRIES",
        error_message="no retries left",
        process_instance_key=500,
        process_definition_key=100,
        bpmn_process_id="order",
        element_id="pay",
        element_instance_key=501,
        created_at=NOW,
        job_key=11,
    )
    # when each is saved and read back
    with store.transaction():
        store.save_jobs([job])
        store.save_user_tasks([task])
        store.save_timers([timer])
        store.save_incidents([incident])
    with store.transaction():
        # then each is equal to what was saved
        assert store.get_job(11, for_update=True) == job
        assert store.get_user_task(12, for_update=True) == task
        assert store.get_timer(13) == timer
        assert store.get_incident(14) == incident
        assert store.list_incidents(500) == [incident]
        assert store.due_timers(NOW + 4999, 10) == []
        assert store.due_timers(NOW + 5000, 10) == [timer]
    # and Tasklist's candidate rows and due date are queryable
    row = m.UserTask.objects.get(key=12)
    assert row.due_date is not None
    assert row.due_date.isoformat() == "2026-12-01T01:00:00+00:00"
    assert set(m.UserTaskCandidate.objects.filter(user_task_id=12).values_list("kind", "name")) == {
        ("user", "lee"),
        ("user", "park"),
        ("group", "finance"),
    }


def test_message_and_signal_subscriptions_match_name_and_key() -> None:
    store = DjangoStore()
    waiting = MessageSubscriptionRecord(
        key=21,
        message_name="paid",
        correlation_key="o-1",
        element_id="catch",
        process_definition_key=100,
        bpmn_process_id="order",
        process_instance_key=500,
        element_instance_key=504,
    )
    other = MessageSubscriptionRecord(
        key=22,
        message_name="paid",
        correlation_key="o-2",
        element_id="catch",
        process_definition_key=100,
        bpmn_process_id="order",
        process_instance_key=600,
        element_instance_key=604,
    )
    starter = MessageSubscriptionRecord(
        key=23,
        message_name="paid",
        correlation_key=None,
        element_id="start",
        process_definition_key=100,
        bpmn_process_id="order",
    )
    signal = SignalSubscriptionRecord(
        key=24,
        signal_name="stop",
        element_id="s",
        process_definition_key=100,
        bpmn_process_id="order",
        process_instance_key=500,
        element_instance_key=505,
    )
    with store.transaction():
        store.save_message_subscriptions([waiting, other, starter])
        store.save_signal_subscriptions([signal])
    with store.transaction():
        assert store.find_message_subscriptions("paid", "o-1") == [waiting, starter]
        assert store.find_signal_subscriptions("stop") == [signal]
        store.delete_message_subscriptions([21])
        store.delete_start_subscriptions("order")
    with store.transaction():
        assert store.find_message_subscriptions("paid", "o-1") == []
        assert store.find_message_subscriptions("paid", "o-2") == [other]


def test_buffered_message_id_is_unique_only_while_buffered() -> None:
    store = DjangoStore()
    first = MessageRecord(
        key=31,
        name="paid",
        correlation_key="o-1",
        variables={"a": 1},
        published_at=NOW,
        expires_at=NOW + 1000,
        message_id="m-1",
    )
    with store.transaction():
        store.save_messages([first])
    with store.transaction():
        assert store.find_message_by_id("m-1", NOW + 999) == first
        assert store.find_buffered_messages("paid", "o-1", NOW + 999) == [first]
        # after the TTL the message is gone for matching, and the same id may be published again
        assert store.find_message_by_id("m-1", NOW + 1000) is None
        again = MessageRecord(
            key=32,
            name="paid",
            correlation_key="o-1",
            variables={},
            published_at=NOW + 2000,
            expires_at=NOW + 3000,
            message_id="m-1",
        )
        store.save_messages([again])
    with store.transaction():
        assert store.find_message_by_id("m-1", NOW + 2000) == again
        assert store.delete_expired_messages(NOW + 5000) == 1


def test_history_is_appended_in_order() -> None:
    store = DjangoStore()
    records = [
        HistoryRecord(500, "order", "PROCESS", 500, "ELEMENT_ACTIVATING", NOW, None, 100, "order"),
        HistoryRecord(500, "order", "PROCESS", 500, "ELEMENT_ACTIVATED", NOW + 1, None, 100, "order"),
        HistoryRecord(
            500, "pay", "JOB", 11, "CREATED", NOW + 2, 500, 100, "order", "JOB", {"type": "payment"}
        ),
    ]
    with store.transaction():
        store.append_history(records)
    # then they come back in order, equal to what was appended, from one row for the unit
    assert selectors.list_history_records(process_instance_key=500) == records
    assert m.History.objects.filter(process_instance_key=500).count() == 1
    assert m.History.objects.get(process_instance_key=500).timestamp.microsecond == 123_000


def test_outbox_commands_pop_fifo_once() -> None:
    store = DjangoStore()
    commands = [
        CreateProcessInstance(bpmn_process_id="child", variables={"x": 1}),
        CompleteJob(job_key=5),
        PublishMessage(name="m", correlation_key="k"),
    ]
    with store.transaction():
        store.push_commands(commands)
    with store.transaction():
        first = store.pop_commands(2)
    with store.transaction():
        rest = store.pop_commands(10)
        nothing = store.pop_commands(10)
    assert first + rest == commands
    assert nothing == []


def test_keys_are_unique_across_generators_and_never_reused() -> None:
    # given two generators, as two worker processes would have
    one, two = DbKeyGenerator(block_size=5), DbKeyGenerator(block_size=5)
    # when both hand out keys interleaved
    keys = [g.next_key() for _ in range(12) for g in (one, two)]
    # then no key repeats and all are Zeebe-like (partition 1) and JavaScript-safe
    assert len(set(keys)) == len(keys)
    assert all(KEY_BASE < k < 2**53 for k in keys)


def test_one_round_trip_fetches_keys_for_many_commands() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("SQLite bumps a counter row per key")
    generator = DbKeyGenerator(block_size=5, blocks_per_fetch=4)
    # when 20 keys are handed out (4 blocks of 5), then one more
    with CaptureQueriesContext(connection) as first:
        keys = [generator.next_key() for _ in range(20)]
    with CaptureQueriesContext(connection) as second:
        keys.append(generator.next_key())
    # then the 20 keys took one round trip, the 21st the next one; each block is 5 consecutive keys
    assert (len(first), len(second)) == (1, 1)
    assert len(set(keys)) == 21
    for start in range(0, 20, 5):
        block = keys[start : start + 5]
        assert block == list(range(block[0], block[0] + 5))
        assert (block[0] - KEY_BASE) % 5 == 0


def test_state_document_is_plain_json() -> None:
    # the JSONB column stores exactly json.dumps(to_dict()): no Python-only types sneak in
    state = _state()
    text = json.dumps(state.to_dict())
    assert InstanceState.from_dict(json.loads(text)).to_dict() == state.to_dict()
