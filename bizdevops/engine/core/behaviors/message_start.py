"""Message start events: one active instance per process id and correlation key (Zeebe's rule).

A message with a non-empty correlation key that triggers a message start event of process P starts no
instance while an instance of P (any version) that a message with the same key started is active; the
message stays buffered (time to live > 0) and, when that instance completes or is terminated, the oldest
buffered message with that key for a message start event of P's latest version starts the next instance.
A message with an empty correlation key always starts a new instance.

The rule is checked twice: when the message is published (`blocked`, so that a blocked message is not
reported as correlated) and, under the Store's lock on (process id, key), when the follow-up command
creates the instance (`claim`): only the latter is authoritative, so two messages published at once with
one key start one instance; the other stays buffered for the next round."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bizdevops.engine.core.commands import CreateProcessInstance
from bizdevops.engine.core.errors import Conflict
from bizdevops.engine.core.expressions import ExpressionError, FeelContext, evaluate_value
from bizdevops.engine.core.model.elements import EventKind, StartEvent
from bizdevops.engine.core.records import MessageRecord

if TYPE_CHECKING:
    from bizdevops.engine.core.model.elements import ProcessModel
    from bizdevops.engine.core.processing import Processing
    from bizdevops.engine.core.store import Store


def blocked(store: Store, bpmn_process_id: str, correlation_key: str) -> bool:
    """Would a message with this key start no instance of this process now?"""
    return (
        bool(correlation_key)
        and store.find_message_start_instance(bpmn_process_id, correlation_key) is not None
    )


def claim(ctx: Processing, command: CreateProcessInstance) -> None:
    """Before a message-started instance is created: Conflict if an instance of the process started with
    the same key is active, or if the buffered message already started one; otherwise mark the message
    as correlated to the process and remember the key on the new instance."""
    key = command.start_correlation_key
    if not key:
        return
    process_id = ctx.state.bpmn_process_id
    message: MessageRecord | None = None
    if command.message_key is not None and command.trigger_element_id is not None:
        name = start_message_names(ctx.model).get(command.trigger_element_id)
        if name is not None:
            # takes the lock on (name, key): the mark below cannot race another correlation of it
            message = next(
                (
                    m
                    for m in ctx.store.find_buffered_messages(name, key, ctx.now)
                    if m.key == command.message_key
                ),
                None,
            )
    if message is not None and process_id in message.correlated_process_ids:
        raise Conflict(f"The message {message.key} already started an instance of '{process_id}'.")
    active = ctx.store.find_message_start_instance(process_id, key)
    if active is not None:
        raise Conflict(
            f"The process instance {active} of '{process_id}' started by a message with correlation key "
            f"'{key}' is still active."
        )
    ctx.state.start_correlation_key = key
    if message is not None:
        updated = replace(message, correlated_process_ids=(*message.correlated_process_ids, process_id))
        ctx.messages_touched[message.key] = updated
        ctx.effects.messages.append(updated)


def release(ctx: Processing) -> None:
    """The instance ended: start the next instance for the oldest buffered message with its start key."""
    key = ctx.state.start_correlation_key
    if not key:
        return
    process_id = ctx.state.bpmn_process_id
    latest = ctx.store.latest_process_definition(process_id)
    if latest is None:
        return
    _, model = ctx.engine.definition(latest.key)
    found: tuple[MessageRecord, str] | None = None
    for start_id, name in start_message_names(model).items():
        for message in ctx.store.find_buffered_messages(name, key, ctx.now):
            message = ctx.messages_touched.get(message.key, message)
            if process_id in message.correlated_process_ids:
                continue
            if found is None or message.key < found[0].key:
                found = (message, start_id)
            break
    if found is None:
        return
    message, start_id = found
    ctx.effects.commands.append(
        CreateProcessInstance(
            process_definition_key=latest.key,
            trigger_element_id=start_id,
            trigger_variables=dict(message.variables),
            instance_key=ctx.next_key(),
            tenant_id=latest.tenant_id,
            start_correlation_key=key,
            message_key=message.key,
        )
    )


def start_message_names(model: ProcessModel) -> dict[str, str]:
    """Message start event id -> its message name (evaluated without variables, as at deployment)."""
    empty = FeelContext([])
    names: dict[str, str] = {}
    for start_id in model.start_events:
        start = model.elements[start_id]
        if isinstance(start, StartEvent) and start.event.kind == EventKind.MESSAGE:
            try:
                names[start_id] = str(evaluate_value(start.event.message_name or "", empty))
            except ExpressionError:
                continue  # refused at deployment; nothing to match
    return names
