"""The DMN TCK (shared part) through the runner: the pass rate must not fall below what we reached."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bizdevops.dmn.tck import main, matches, run
from bizdevops.feel import parse_duration

TCK = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "dmn-tck"

# Measured 2026-11-24: 1655/1655 test cases, non-null 616/616. Thresholds sit a little below.
MIN_PASSED = 1645
MIN_NON_NULL = 610


@pytest.mark.skipif(not TCK.is_dir(), reason="shared TCK folder not present")
def test_tck_shared_part_pass_rate_does_not_regress() -> None:
    # when
    summary = run([str(TCK / "feel"), str(TCK / "dt")])
    # then
    good, relevant = summary.non_null()
    assert len(summary.outcomes) > 1600
    assert summary.passed >= MIN_PASSED, [o for o in summary.outcomes if not o.passed][:10]
    assert good >= MIN_NON_NULL


@pytest.mark.skipif(not TCK.is_dir(), reason="shared TCK folder not present")
def test_runner_prints_csv_and_totals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # given
    out = tmp_path / "results.csv"
    # when
    main([str(TCK / "dt" / "compliance-level-2" / "0004-simpletable-U"), "--csv", str(out)])
    # then
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2].endswith("passed, 0 failed")
    assert lines[-1].startswith("non-null: ")
    assert (
        out.read_text().splitlines()[0]
        == '"0004-simpletable-U","0004-simpletable-U-test-01.xml","001","SUCCESS",""'
    )


def test_runner_counts_a_broken_model_as_failures(tmp_path: Path) -> None:
    # given: a folder whose model is not XML
    folder = tmp_path / "0001-broken"
    folder.mkdir()
    (folder / "0001-broken.dmn").write_text("<definitions")
    (folder / "0001-broken-test-01.xml").write_text(
        '<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase"><modelName>0001-broken.dmn</modelName>'
        '<testCase id="001"><resultNode name="d"><expected><value>x</value></expected></resultNode></testCase>'
        "</testCases>"
    )
    # when
    summary = run([str(tmp_path)])
    # then
    assert [(o.case_id, o.passed) for o in summary.outcomes] == [("001", False)]
    assert "well-formed" in summary.outcomes[0].message


def test_comparison_rules() -> None:
    assert matches(Decimal("1.000000000001"), Decimal(1))
    assert not matches(Decimal("1.1"), Decimal(1))
    assert matches([Decimal(1), "a"], [Decimal(1), "a"])
    assert not matches([Decimal(1), "a"], ["a", Decimal(1)])
    assert matches({"a": None}, {"a": None})
    assert not matches({"a": None}, {"a": None, "b": Decimal(1)})
    # values FEEL cannot hold natively come as strings and are compared to FEEL string() of the result
    assert matches("P1D", parse_duration("P1D"))
    assert not matches("P2D", parse_duration("P1D"))


def test_a_broken_model_fails_only_its_own_tests(tmp_path: Path) -> None:
    # given: two models in one folder; one has invalid FEEL
    folder = tmp_path / "0002-mixed"
    folder.mkdir()
    ns = "https://www.omg.org/spec/DMN/20230324/MODEL/"
    good = f'<definitions xmlns="{ns}" name="good" namespace="urn:good"><decision id="d" name="d"><literalExpression><text>1+1</text></literalExpression></decision></definitions>'
    bad = f'<definitions xmlns="{ns}" name="bad" namespace="urn:bad"><decision id="d" name="d"><literalExpression><text>1+*</text></literalExpression></decision></definitions>'
    (folder / "good.dmn").write_text(good)
    (folder / "bad.dmn").write_text(bad)
    case = (
        '<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<modelName>{}</modelName><testCase id="001"><resultNode name="d"><expected>'
        '<value xsi:type="xsd:decimal">2</value></expected></resultNode></testCase></testCases>'
    )
    (folder / "good-test-01.xml").write_text(case.format("good.dmn"))
    (folder / "bad-test-01.xml").write_text(case.format("bad.dmn"))
    # when
    summary = run([str(tmp_path)])
    # then
    outcomes = {o.file: o for o in summary.outcomes}
    assert outcomes["good-test-01.xml"].passed
    assert not outcomes["bad-test-01.xml"].passed
    assert "invalid FEEL" in outcomes["bad-test-01.xml"].message


def test_imports_resolve_by_location_in_subfolders_and_qualified_service_parameters(tmp_path: Path) -> None:
    # given: TCK 0086-imports style, two imported files share one namespace; locationURI picks the right one
    ns = "https://www.omg.org/spec/DMN/20230324/MODEL/"
    folder = tmp_path / "0086-imports"
    for sub, greeting in (("01", "hello"), ("02", "wrong")):
        (folder / sub).mkdir(parents=True)
        (folder / sub / "import1.dmn").write_text(
            f'<definitions xmlns="{ns}" name="lib" namespace="urn:imports">'
            '<itemDefinition name="tStrings" isCollection="true"><typeRef>string</typeRef></itemDefinition>'
            f'<decision id="_greeting" name="greeting"><literalExpression><text>"{greeting}"</text></literalExpression></decision>'
            '<decision id="_echo" name="echo"><informationRequirement><requiredDecision href="#_greeting"/></informationRequirement>'
            '<literalExpression><text>greeting + "!"</text></literalExpression></decision>'
            "</definitions>"
        )
    (folder / "main.dmn").write_text(
        f'<definitions xmlns="{ns}" name="main" namespace="urn:main">'
        f'<import name="i" namespace="urn:imports" locationURI="01/import1.dmn" importType="{ns}"/>'
        '<itemDefinition name="fooType"><typeRef>i.tStrings</typeRef></itemDefinition>'
        '<decision id="d1" name="d1"><informationRequirement><requiredDecision href="urn:imports#_greeting"/></informationRequirement>'
        "<literalExpression><text>i.greeting</text></literalExpression></decision>"
        '<decisionService id="ds" name="ds"><outputDecision href="urn:imports#_echo"/>'
        '<inputDecision href="urn:imports#_greeting"/></decisionService>'
        '<decision id="d2" name="d2"><knowledgeRequirement><requiredKnowledge href="#ds"/></knowledgeRequirement>'
        '<literalExpression><text>ds(i.greeting: "bye")</text></literalExpression></decision>'
        '<decision id="d3" name="d3"><variable name="d3" typeRef="fooType"/><literalExpression><text>"x"</text></literalExpression></decision>'
        "</definitions>"
    )
    tests = "".join(
        f'<testCase id="{name}"><resultNode name="{name}"><expected>{value}</expected></resultNode></testCase>'
        for name, value in (
            ("d1", '<value xsi:type="xsd:string">hello</value>'),
            ("d2", '<value xsi:type="xsd:string">bye!</value>'),
            ("d3", '<list><item><value xsi:type="xsd:string">x</value></item></list>'),
        )
    )
    (folder / "main-test-01.xml").write_text(
        '<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><modelName>main.dmn</modelName>'
        + tests
        + "</testCases>"
    )
    # when
    summary = run([str(tmp_path)])
    # then
    assert [(o.case_id, o.passed, o.message) for o in summary.outcomes] == [
        ("d1", True, ""),
        ("d2", True, ""),
        ("d3", True, ""),
    ]
