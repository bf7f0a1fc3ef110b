"""Field errors speak the user's language."""

from __future__ import annotations

from django.utils import translation

from forms.validation import validate_submission


def test_errors_in_korean() -> None:
    schema = {"components": [{"type": "number", "key": "age", "validate": {"required": True, "min": 19}}]}
    with translation.override("ko"):
        assert validate_submission(schema, {})[1] == {"age": "필수 항목입니다."}
        assert validate_submission(schema, {"age": 12})[1] == {"age": "19 이상이어야 합니다."}
