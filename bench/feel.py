"""FEEL and DMN throughput: ``.venv/bin/python bench/feel.py``.

Prints evaluations per second (median of several runs) for typical Camunda expressions, compiled once
and cached as the engine does, and for a generated 50-rule decision table.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bizdevops.dmn import load  # noqa: E402
from bizdevops.feel import from_json, parse  # noqa: E402

RUNS = 5
SECONDS_PER_RUN = 0.3

CONTEXT = from_json(
    {
        "amount": 1500,
        "applicant": {"name": "Ada"},
        "x": 12,
        "items": [{"price": 10.5}, {"price": 20}, {"price": 3.25}],
        "orders": [
            {"id": "A1", "status": "open"},
            {"id": "B2", "status": "closed"},
            {"id": "C3", "status": "open"},
        ],
        "order": {"total": 100},
    }
)

EXPRESSIONS = [
    "amount > 1000",
    '"Dear " + applicant.name + ","',
    'if x > 10 then "high" else "low"',
    "sum(items.price)",
    'count(orders[status = "open"]) > 0',
    'string join(for o in orders return o.id, ",")',
    "order.total * 1.19",
]


def rate(fn: Callable[[], Any]) -> float:
    """Median evaluations/second over RUNS runs of about SECONDS_PER_RUN each."""
    results = []
    for _ in range(RUNS):
        count = 0
        batch = 200
        started = time.perf_counter()
        while True:
            for _ in range(batch):
                fn()
            count += batch
            elapsed = time.perf_counter() - started
            if elapsed >= SECONDS_PER_RUN:
                break
        results.append(count / elapsed)
    return statistics.median(results)


def decision_table_xml(rules: int = 50) -> str:
    rows = []
    for i in range(rules):
        low, high = i * 100, (i + 1) * 100
        category = ("gold", "silver", "bronze")[i % 3]
        rows.append(
            f'<rule id="r{i}"><inputEntry><text>[{low}..{high})</text></inputEntry>'
            f'<inputEntry><text>"{category}"</text></inputEntry>'
            f"<outputEntry><text>{i}</text></outputEntry>"
            f'<outputEntry><text>"rule {i}"</text></outputEntry></rule>'
        )
    return (
        '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="bench" name="bench" '
        'namespace="urn:bench"><decision id="d" name="Discount"><decisionTable hitPolicy="FIRST">'
        '<input id="i1"><inputExpression typeRef="number"><text>amount</text></inputExpression></input>'
        '<input id="i2"><inputExpression typeRef="string"><text>tier</text></inputExpression></input>'
        '<output id="o1" name="discount" typeRef="number"/><output id="o2" name="reason" typeRef="string"/>'
        + "".join(rows)
        + "</decisionTable></decision></definitions>"
    )


def main() -> None:
    print(f"FEEL expressions (compiled once; median of {RUNS} runs)")
    for text in EXPRESSIONS:
        expression = parse(text, names=("string join",))
        value = expression.evaluate_feel(CONTEXT).value
        per_second = rate(lambda e=expression: e.evaluate_feel(CONTEXT))
        print(f"  {per_second:>12,.0f}/s  {text}   → {value!r}")
    model = load(decision_table_xml())
    late = {"amount": 4950, "tier": "gold" if 49 % 3 == 0 else ("silver" if 49 % 3 == 1 else "bronze")}
    early = {"amount": 50, "tier": "gold"}
    for label, variables in (("last rule matches", late), ("first rule matches", early)):
        value = model.evaluate("Discount", variables).value
        per_second = rate(lambda v=variables: model.evaluate("Discount", v))
        print(f"  {per_second:>12,.0f}/s  50-rule decision table, FIRST, {label}   → {value!r}")


if __name__ == "__main__":
    main()
