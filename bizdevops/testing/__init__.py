"""Process tests for BizDevOps: drive the engine from pytest and assert on instances fluently.

    from bizdevops.testing import assert_process

    def test_order(process_test):
        process_test.deploy("order.bpmn")
        order = process_test.start("order", amount=10)
        process_test.complete_job("charge", approved=True)
        assert_process(order).is_completed().has_passed("Task_A", "Task_B").has_variable("approved", True)

Enable the fixtures with `pytest_plugins = ["bizdevops.testing.plugin"]` in a conftest.py.
"""

from bizdevops.testing.assertions import ProcessAssert, assert_process
from bizdevops.testing.kit import DatabaseProcessTest, Instance, MemoryProcessTest, ProcessTest, Snapshot

__all__ = [
    "DatabaseProcessTest",
    "Instance",
    "MemoryProcessTest",
    "ProcessAssert",
    "ProcessTest",
    "Snapshot",
    "assert_process",
]
