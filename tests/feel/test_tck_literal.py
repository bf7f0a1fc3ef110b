"""The shared TCK's literal-expression decisions, run through the FEEL evaluator (the TCK runner is DMN's)."""

from __future__ import annotations

import pytest

from tests.feel.tck_literal import TCK, all_folders, run_folder

pytestmark = pytest.mark.skipif(not TCK.exists(), reason="shared TCK checkout not present")


def test_literal_expression_cases_pass() -> None:
    # given every TCK folder whose decisions are literal expressions or contexts of them
    outcomes = [o for folder in all_folders() for o in run_folder(folder)]
    supported = [o for o in outcomes if o.message != "unsupported decision"]
    # when run through FEEL, then nearly all pass (the rest need DMN: typeRef coercion, boxed contexts)
    failures = [f"{o.folder} {o.case}: {o.message}" for o in supported if not o.ok]
    assert len(supported) > 1500
    assert len(failures) <= 10, failures
