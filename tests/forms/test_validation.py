"""validate_submission: every form-js field type, every declared rule, wrong types, hidden and unknown keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from forms.validation import StoredFileInfo, validate_submission


def form(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": "default", "id": "f", "schemaVersion": 18, "components": list(components)}


def field(kind: str, key: str, **props: Any) -> dict[str, Any]:
    return {"type": kind, "key": key, "id": f"Field_{key}", "label": key.title(), **props}


def check(
    schema: dict[str, Any], data: dict[str, Any], **kwargs: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    return validate_submission(schema, data, **kwargs)


# --- text ---------------------------------------------------------------------------------------------------


def test_text_field_passes_and_unknown_keys_are_dropped() -> None:
    schema = form(field("textfield", "name"))
    cleaned, errors = check(schema, {"name": "Kim", "isAdmin": True, "approved": True})
    assert errors == {}
    assert cleaned == {"name": "Kim"}


@pytest.mark.parametrize("value", [42, True, ["a"], {"a": 1}, 1.5])
def test_text_field_rejects_wrong_types(value: Any) -> None:
    cleaned, errors = check(form(field("textfield", "name")), {"name": value})
    assert errors == {"name": "Expected text."}
    assert cleaned == {}


@pytest.mark.parametrize("value", [None, "", []])
def test_required_text_field_rejects_empty(value: Any) -> None:
    cleaned, errors = check(form(field("textfield", "name", validate={"required": True})), {"name": value})
    assert errors == {"name": "Field is required."}
    assert cleaned == {}


def test_required_field_missing_from_the_data() -> None:
    _, errors = check(form(field("textarea", "note", validate={"required": True})), {})
    assert errors == {"note": "Field is required."}


def test_optional_field_missing_is_left_out() -> None:
    cleaned, errors = check(form(field("textfield", "name")), {})
    assert (cleaned, errors) == ({}, {})


def test_min_and_max_length() -> None:
    schema = form(field("textarea", "why", validate={"minLength": 3, "maxLength": 5}))
    assert check(schema, {"why": "ab"})[1] == {"why": "Field must have minimum length of 3."}
    assert check(schema, {"why": "abcdef"})[1] == {"why": "Field must have maximum length of 5."}
    assert check(schema, {"why": "abcd"}) == ({"why": "abcd"}, {})


def test_pattern_is_searched_like_javascript_test() -> None:
    schema = form(field("textfield", "code", validate={"pattern": "^[A-Z]{2}-\\d+$"}))
    assert check(schema, {"code": "KR-12"})[1] == {}
    assert check(schema, {"code": "kr-12"})[1] == {"code": "Field must match pattern ^[A-Z]{2}-\\d+$."}


@pytest.mark.parametrize(
    ("value", "valid"),
    [("kim@example.com", True), ("a.b@sub.example.co.kr", True), ("kim@", False), ("kim example.com", False)],
)
def test_email_validation(value: str, valid: bool) -> None:
    _, errors = check(form(field("textfield", "mail", validate={"validationType": "email"})), {"mail": value})
    assert (errors == {}) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("+821012345678", True), ("0049 30 664040900", True), ("010-1234", False), ("+1", False)],
)
def test_phone_validation(value: str, valid: bool) -> None:
    _, errors = check(form(field("textfield", "tel", validate={"validationType": "phone"})), {"tel": value})
    assert (errors == {}) is valid


def test_dotted_key_binds_a_nested_value() -> None:
    cleaned, errors = check(
        form(field("textfield", "applicant.name", validate={"required": True})),
        {"applicant": {"name": "Lee", "salary": 1}},
    )
    assert errors == {}
    assert cleaned == {"applicant": {"name": "Lee"}}
    assert check(form(field("textfield", "applicant.name", validate={"required": True})), {})[1] == {
        "applicant.name": "Field is required."
    }


# --- number -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["12", True, [1], {"n": 1}, float("nan"), float("inf")])
def test_number_rejects_wrong_types(value: Any) -> None:
    _, errors = check(form(field("number", "n")), {"n": value})
    assert errors == {"n": "Expected a number."}


def test_number_min_max_and_result_type() -> None:
    schema = form(field("number", "n", validate={"min": 1, "max": 10}))
    assert check(schema, {"n": 0})[1] == {"n": "Field must have minimum value of 1."}
    assert check(schema, {"n": 10.5})[1] == {"n": "Field must have maximum value of 10."}
    assert check(schema, {"n": 7}) == ({"n": 7}, {})
    assert check(schema, {"n": 2.5}) == ({"n": 2.5}, {})


def test_number_decimal_digits_and_increment() -> None:
    schema = form(field("number", "n", decimalDigits=2, increment="0.25"))
    assert check(schema, {"n": 1.75}) == ({"n": 1.75}, {})
    assert check(schema, {"n": 1.5}) == ({"n": 1.5}, {})
    assert "n" in check(schema, {"n": 1.333})[1]
    assert check(schema, {"n": 1.3})[1] == {"n": "Please select a valid value in steps of 0.25."}


def test_number_serialized_to_string() -> None:
    schema = form(field("number", "n", serializeToString=True))
    assert check(schema, {"n": "12.50"}) == ({"n": "12.50"}, {})
    assert check(schema, {"n": "twelve"})[1] == {"n": "Expected a number."}


def test_number_zero_is_not_empty() -> None:
    assert check(form(field("number", "n", validate={"required": True})), {"n": 0}) == ({"n": 0}, {})


# --- checkbox and options ---------------------------------------------------------------------------------


def test_checkbox_is_a_boolean() -> None:
    schema = form(field("checkbox", "agree"))
    assert check(schema, {"agree": True}) == ({"agree": True}, {})
    assert check(schema, {"agree": False}) == ({"agree": False}, {})
    assert check(schema, {"agree": "true"})[1] == {"agree": "Expected true or false."}


def test_required_checkbox_must_be_ticked() -> None:
    schema = form(field("checkbox", "agree", validate={"required": True}))
    assert check(schema, {"agree": False})[1] == {"agree": "Field is required."}


OPTIONS = [{"label": "Low", "value": "low"}, {"label": "High", "value": "high"}]


@pytest.mark.parametrize("kind", ["radio", "select"])
def test_single_choice_accepts_only_allowed_options(kind: str) -> None:
    schema = form(field(kind, "risk", values=OPTIONS))
    assert check(schema, {"risk": "high"}) == ({"risk": "high"}, {})
    assert check(schema, {"risk": "medium"})[1] == {"risk": "Value is not one of the allowed options."}
    assert check(schema, {"risk": ["low"]})[1] == {"risk": "Expected a single value."}


def test_numeric_option_does_not_match_a_boolean() -> None:
    schema = form(field("select", "n", values=[{"label": "one", "value": 1}]))
    assert check(schema, {"n": 1}) == ({"n": 1}, {})
    assert check(schema, {"n": True})[1] == {"n": "Value is not one of the allowed options."}


@pytest.mark.parametrize("kind", ["checklist", "taglist"])
def test_multiple_choice(kind: str) -> None:
    schema = form(field(kind, "tags", values=OPTIONS, validate={"required": True}))
    assert check(schema, {"tags": ["low", "high", "low"]}) == ({"tags": ["low", "high"]}, {})
    assert check(schema, {"tags": ["low", "nope"]})[1] == {"tags": "Value is not one of the allowed options."}
    assert check(schema, {"tags": "low"})[1] == {"tags": "Expected a list of values."}
    assert check(schema, {"tags": []})[1] == {"tags": "Field is required."}


def test_options_from_a_variable_named_by_values_key() -> None:
    schema = form(field("select", "product", valuesKey="products"))
    variables = {"products": [{"label": "Basic", "value": "basic"}, "premium"]}
    assert check(schema, {"product": "premium"}, variables=variables) == ({"product": "premium"}, {})
    assert check(schema, {"product": "gold"}, variables=variables)[1] == {
        "product": "Value is not one of the allowed options."
    }


def test_values_key_cannot_be_satisfied_by_the_submission_itself() -> None:
    # given options read from a process variable the client also tries to submit
    schema = form(field("select", "product", valuesKey="products"))
    cleaned, errors = check(
        schema, {"product": "gold", "products": [{"label": "x", "value": "gold"}]}, variables={"products": []}
    )
    # then only the process's own options count, and the injected list never reaches the process
    assert errors == {"product": "Value is not one of the allowed options."}
    assert cleaned == {}


def test_a_condition_cannot_be_steered_by_a_key_that_is_no_field() -> None:
    schema = form(field("textfield", "reason", validate={"required": True}, conditional={"hide": "=vip"}))
    assert check(schema, {"vip": True}, variables={"vip": False})[1] == {"reason": "Field is required."}


def test_options_from_a_feel_expression() -> None:
    schema = form(field("radio", "size", valuesExpression="=for s in sizes return {label: s, value: s}"))
    assert check(schema, {"size": "L"}, variables={"sizes": ["S", "L"]}) == ({"size": "L"}, {})
    assert check(schema, {"size": "XL"}, variables={"sizes": ["S", "L"]})[1] == {
        "size": "Value is not one of the allowed options."
    }


# --- date and time ------------------------------------------------------------------------------------------


def test_date_subtypes() -> None:
    assert check(form(field("datetime", "d", subtype="date")), {"d": "2026-02-28"})[1] == {}
    assert check(form(field("datetime", "d", subtype="date")), {"d": "2026-02-30"})[1] == {
        "d": "Expected a date (YYYY-MM-DD)."
    }
    assert check(form(field("datetime", "t", subtype="time")), {"t": "13:45"})[1] == {}
    assert check(form(field("datetime", "t", subtype="time")), {"t": "13:45+09:00"})[1] == {}
    assert check(form(field("datetime", "t", subtype="time")), {"t": "25:00"})[1] == {
        "t": "Expected a time (HH:mm)."
    }
    assert check(form(field("datetime", "x", subtype="datetime")), {"x": "2026-01-02T08:30Z"})[1] == {}
    assert "x" in check(form(field("datetime", "x", subtype="datetime")), {"x": "2026-01-02"})[1]
    assert check(form(field("datetime", "d", subtype="date")), {"d": 20260101})[1] == {
        "d": "Expected a date or time."
    }


def test_disallow_passed_dates() -> None:
    schema = form(field("datetime", "d", subtype="date", disallowPassedDates=True))
    today = dt.date(2026, 5, 10)
    assert check(schema, {"d": "2026-05-09"}, today=today)[1] == {"d": "Selected date is in the past."}
    assert check(schema, {"d": "2026-05-10"}, today=today)[1] == {}


# --- files --------------------------------------------------------------------------------------------------


def resolver(files: dict[str, StoredFileInfo]):  # type: ignore[no-untyped-def]
    return files.get


PDF = StoredFileInfo("doc-1", "id.pdf", "application/pdf", 1234)
PNG = StoredFileInfo("doc-2", "face.png", "image/png", 99)


def test_file_picker_turns_ids_into_document_references() -> None:
    schema = form(field("filepicker", "proof", multiple=True, accept=".pdf,image/*"))
    cleaned, errors = check(
        schema, {"proof": ["doc-1", "doc-2"]}, resolve_file=resolver({"doc-1": PDF, "doc-2": PNG})
    )
    assert errors == {}
    assert [d["documentId"] for d in cleaned["proof"]] == ["doc-1", "doc-2"]
    assert cleaned["proof"][0]["metadata"] == {
        "fileName": "id.pdf",
        "contentType": "application/pdf",
        "size": 1234,
    }


def test_file_picker_refuses_unknown_ids_types_and_multiples() -> None:
    files = resolver({"doc-1": PDF, "doc-2": PNG})
    assert check(form(field("filepicker", "p")), {"p": ["nope"]}, resolve_file=files)[1] == {
        "p": "An uploaded file was not found."
    }
    assert check(form(field("filepicker", "p", accept=".pdf")), {"p": "doc-2"}, resolve_file=files)[1] == {
        "p": "File type image/png is not accepted."
    }
    assert check(form(field("filepicker", "p")), {"p": ["doc-1", "doc-2"]}, resolve_file=files)[1] == {
        "p": "Only one file may be uploaded."
    }
    assert check(form(field("filepicker", "p")), {"p": [1]}, resolve_file=files)[1] == {
        "p": "Expected uploaded files."
    }
    assert check(form(field("filepicker", "p")), {"p": "doc-1"})[1] == {
        "p": "File uploads are not accepted here."
    }


# --- containers ---------------------------------------------------------------------------------------------


def test_group_with_and_without_path() -> None:
    schema = form(
        {"type": "group", "id": "g1", "components": [field("textfield", "first")]},
        {
            "type": "group",
            "id": "g2",
            "path": "address",
            "components": [field("textfield", "city", validate={"required": True})],
        },
    )
    assert check(schema, {"first": "A", "address": {"city": "Seoul", "evil": 1}}) == (
        {"first": "A", "address": {"city": "Seoul"}},
        {},
    )
    assert check(schema, {"address": {}})[1] == {"address.city": "Field is required."}
    assert check(schema, {"address": "Seoul"})[1] == {"address": "Expected an object."}


def test_dynamic_list_validates_each_item() -> None:
    schema = form(
        {
            "type": "dynamiclist",
            "id": "l",
            "path": "beneficiaries",
            "isRepeating": True,
            "components": [
                field("textfield", "name", validate={"required": True}),
                field("number", "share", validate={"max": 100}),
            ],
        }
    )
    cleaned, errors = check(
        schema, {"beneficiaries": [{"name": "A", "share": 60, "x": 1}, {"name": "", "share": 140}]}
    )
    assert errors == {
        "beneficiaries.1.name": "Field is required.",
        "beneficiaries.1.share": "Field must have maximum value of 100.",
    }
    assert cleaned["beneficiaries"][0] == {"name": "A", "share": 60}
    assert check(schema, {"beneficiaries": {"name": "A"}})[1] == {"beneficiaries": "Expected a list."}
    assert check(schema, {"beneficiaries": ["A"]})[1] == {"beneficiaries.0": "Expected an object."}


def test_dynamic_list_without_add_remove_keeps_its_length() -> None:
    schema = form(
        {
            "type": "dynamiclist",
            "id": "l",
            "path": "rows",
            "allowAddRemove": False,
            "defaultRepetitions": 2,
            "components": [field("textfield", "v")],
        }
    )
    assert check(schema, {"rows": [{"v": "a"}]})[1] == {"rows": "Items cannot be added or removed."}
    assert check(schema, {"rows": [{"v": "a"}, {"v": "b"}]})[1] == {}


def test_display_components_carry_no_data() -> None:
    schema = form(
        {"type": "text", "id": "t", "text": "# Hello {{name}}"},
        {"type": "html", "id": "h", "content": "<b>x</b>"},
        {"type": "table", "id": "tb", "key": "rows", "dataSource": "=rows"},
        {"type": "separator", "id": "s"},
        {"type": "button", "id": "b", "action": "submit"},
    )
    assert check(schema, {"rows": [1], "name": "x"}) == ({}, {})


# --- conditions, read-only and expressions -----------------------------------------------------------------


def test_hidden_fields_are_neither_validated_nor_submitted() -> None:
    schema = form(
        field("checkbox", "married"),
        field("textfield", "spouse", validate={"required": True}, conditional={"hide": "=married != true"}),
    )
    assert check(schema, {"married": False, "spouse": "should be dropped"}) == ({"married": False}, {})
    assert check(schema, {"married": True})[1] == {"spouse": "Field is required."}
    assert check(schema, {"married": True, "spouse": "Lee"}) == ({"married": True, "spouse": "Lee"}, {})


def test_condition_reads_process_variables() -> None:
    schema = form(
        field("number", "loading", conditional={"hide": '=risk = "low"'}, validate={"required": True})
    )
    assert check(schema, {}, variables={"risk": "low"}) == ({}, {})
    assert check(schema, {}, variables={"risk": "high"})[1] == {"loading": "Field is required."}


def test_a_broken_condition_shows_the_field_like_form_js() -> None:
    schema = form(field("textfield", "a", conditional={"hide": "=)("}, validate={"required": True}))
    assert check(schema, {})[1] == {"a": "Field is required."}


def test_condition_inside_a_dynamic_list_sees_the_item() -> None:
    schema = form(
        {
            "type": "dynamiclist",
            "id": "l",
            "path": "items",
            "components": [
                field("checkbox", "other"),
                field(
                    "textfield", "detail", validate={"required": True}, conditional={"hide": "=not(other)"}
                ),
            ],
        }
    )
    cleaned, errors = check(schema, {"items": [{"other": False, "detail": "x"}, {"other": True}]})
    assert errors == {"items.1.detail": "Field is required."}
    assert cleaned["items"][0] == {"other": False}


def test_readonly_and_disabled_fields_cannot_change_variables() -> None:
    schema = form(
        field("number", "premium", readonly=True),
        field("textfield", "decision", disabled=True),
        field("textfield", "note", readonly="=locked"),
    )
    cleaned, errors = check(
        schema, {"premium": 1, "decision": "approved", "note": "n"}, variables={"locked": True}
    )
    assert errors == {}
    assert cleaned == {}
    assert check(schema, {"note": "n"}, variables={"locked": False})[0] == {"note": "n"}


def test_expression_fields_are_computed_on_the_server() -> None:
    schema = form(
        field("number", "amount"),
        {"type": "expression", "id": "e", "key": "total", "expression": "=amount * 2"},
    )
    assert check(schema, {"amount": 21, "total": 1_000_000}) == ({"amount": 21, "total": 42}, {})


def test_data_that_is_not_an_object() -> None:
    assert check(form(field("textfield", "a")), ["a"])[1] == {"": "The submitted data must be an object."}  # type: ignore[arg-type]
