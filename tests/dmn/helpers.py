"""Build small DMN 1.5 documents for tests."""

from __future__ import annotations

NS = "https://www.omg.org/spec/DMN/20230324/MODEL/"


def definitions(body: str, namespace: str = "http://example.com/dmn", name: str = "test") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{NS}" id="defs" name="{name}" '
        f'namespace="{namespace}">{body}</definitions>'
    )


def table(
    hit_policy: str,
    rules: list[tuple[list[str], list[str]]],
    *,
    inputs: list[str] = ("x",),  # type: ignore[assignment]
    outputs: list[str] = ("",),  # type: ignore[assignment]
    aggregation: str | None = None,
    output_values: list[str] | None = None,
    defaults: list[str] | None = None,
    name: str = "D",
    input_values: list[str] | None = None,
) -> str:
    """A decision named ``name`` holding one decision table over input data named after ``inputs``."""
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    parts = [f'<decision id="{name}" name="{name}"><variable name="{name}"/>']
    for i, _ in enumerate(inputs):
        parts.append(f'<informationRequirement><requiredInput href="#in{i}"/></informationRequirement>')
    parts.append(f'<decisionTable id="dt_{name}" hitPolicy="{hit_policy}"{agg}>')
    for i, text in enumerate(inputs):
        values = ""
        if input_values and input_values[i]:
            values = f"<inputValues><text>{input_values[i]}</text></inputValues>"
        parts.append(
            f'<input id="i{i}" label="{text}"><inputExpression><text>{text}</text></inputExpression>{values}</input>'
        )
    for j, out in enumerate(outputs):
        name_attr = f' name="{out}"' if out else ""
        ov = f"<outputValues><text>{output_values[j]}</text></outputValues>" if output_values else ""
        df = f"<defaultOutputEntry><text>{defaults[j]}</text></defaultOutputEntry>" if defaults else ""
        parts.append(f'<output id="o{j}"{name_attr}>{ov}{df}</output>')
    for r, (entries, results) in enumerate(rules, start=1):
        parts.append(f'<rule id="r{r}">')
        parts.extend(f"<inputEntry><text>{e}</text></inputEntry>" for e in entries)
        parts.extend(f"<outputEntry><text>{o}</text></outputEntry>" for o in results)
        parts.append("</rule>")
    parts.append("</decisionTable></decision>")
    for i, text in enumerate(inputs):
        parts.append(f'<inputData id="in{i}" name="{text}"><variable name="{text}"/></inputData>')
    return definitions("".join(parts))
