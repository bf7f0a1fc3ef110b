"""Fluent assertions on process instances:

    assert_process(instance).is_completed().has_passed("Task_A", "Task_B").has_variable("approved", True)

Every failure names what was expected and shows the instance as it is (status, trail, waits, variables,
incidents), so a red test explains itself.
"""

from __future__ import annotations

from typing import Any

from bizdevops.testing.kit import Instance, Snapshot

_ANY = object()


class ProcessAssert:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    def _now(self) -> Snapshot:
        return self.instance.snapshot()

    def _fail(self, expectation: str, snap: Snapshot) -> AssertionError:
        incidents = [f"{i['errorType']} at {i['elementId']}: {i['errorMessage']}" for i in snap.incidents]
        return AssertionError(
            f"expected {self.instance} ({snap.bpmn_process_id}) {expectation}\n"
            f"  status:    {snap.status}\n"
            f"  passed:    {', '.join(snap.passed) or '-'}\n"
            f"  waiting:   {', '.join(snap.active) or '-'}\n"
            f"  variables: {snap.variables}\n"
            f"  incidents: {incidents or '-'}"
        )

    def _status(self, expected: str) -> ProcessAssert:
        snap = self._now()
        if snap.status != expected:
            raise self._fail(f"to be {expected}", snap)
        return self

    def is_completed(self) -> ProcessAssert:
        return self._status("COMPLETED")

    def is_active(self) -> ProcessAssert:
        return self._status("ACTIVE")

    def is_terminated(self) -> ProcessAssert:
        return self._status("TERMINATED")

    def has_passed(self, *element_ids: str) -> ProcessAssert:
        """Each element completed at least once (in any order; use has_passed_in_order for order)."""
        snap = self._now()
        missing = [e for e in element_ids if e not in snap.passed]
        if missing:
            raise self._fail(f"to have passed {', '.join(missing)}", snap)
        return self

    def has_passed_in_order(self, *element_ids: str) -> ProcessAssert:
        snap = self._now()
        position = 0
        for element_id in element_ids:
            try:
                position = snap.passed.index(element_id, position) + 1
            except ValueError:
                raise self._fail(f"to have passed {' → '.join(element_ids)} in this order", snap) from None
        return self

    def has_not_passed(self, *element_ids: str) -> ProcessAssert:
        snap = self._now()
        seen = [e for e in element_ids if e in snap.passed]
        if seen:
            raise self._fail(f"not to have passed {', '.join(seen)}", snap)
        return self

    def is_waiting_at(self, *element_ids: str) -> ProcessAssert:
        snap = self._now()
        missing = [e for e in element_ids if e not in snap.active]
        if missing:
            raise self._fail(f"to be waiting at {', '.join(missing)}", snap)
        return self

    def has_variable(self, name: str, value: Any = _ANY) -> ProcessAssert:
        snap = self._now()
        if name not in snap.variables:
            raise self._fail(f"to have variable {name!r}", snap)
        if value is not _ANY and snap.variables[name] != value:
            raise self._fail(f"to have {name} == {value!r} (is {snap.variables[name]!r})", snap)
        return self

    def has_variables(self, **expected: Any) -> ProcessAssert:
        for name, value in expected.items():
            self.has_variable(name, value)
        return self

    def has_no_variable(self, name: str) -> ProcessAssert:
        snap = self._now()
        if name in snap.variables:
            raise self._fail(f"not to have variable {name!r}", snap)
        return self

    def has_incident(self, error_type: str | None = None) -> ProcessAssert:
        snap = self._now()
        if not any(error_type in (None, i["errorType"]) for i in snap.incidents):
            raise self._fail(f"to have an incident{f' of type {error_type}' if error_type else ''}", snap)
        return self

    def has_no_incident(self) -> ProcessAssert:
        snap = self._now()
        if snap.incidents:
            raise self._fail("to have no incident", snap)
        return self


def assert_process(instance: Instance) -> ProcessAssert:
    """Start a chain of assertions on an instance."""
    return ProcessAssert(instance)
