"""Server-side validation of a submitted form against its form-js schema.

The browser validates too, but it is not trusted: this is the check that decides what reaches the process.
It mirrors form-js 1.23's own rules and messages, and goes further where the browser cannot be trusted:
types are checked, options must be among the allowed ones, read-only fields and unknown keys are dropped,
hidden fields (FEEL `conditional.hide`) are neither validated nor submitted, and expression fields are
computed here instead of taken from the client.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import regex
from django.utils.translation import gettext as _

from forms.feel import Evaluator, evaluate_or, feel_evaluate, is_expression
from forms.schema import DISPLAY_TYPES, INPUT_TYPES, OPTION_TYPES, key_path

# form-js's EMAIL_PATTERN.
EMAIL = re.compile(
    r"^(([^<>()\[\]\\.,;:\s@\"]+(\.[^<>()\[\]\\.,;:\s@\"]+)*)|(\".+\"))@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"
    r"\.[0-9]{1,3}])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$"
)
# International numbers as form-js accepts them: + or 00, a country code, then 6 to 14 digits.
PHONE = re.compile(r"^(\+|00)[1-9]\d{0,3}(\s?\d){6,14}$")
MAX_TEXT = 100_000  # a cap so a pathological schema pattern cannot be fed an unbounded string
# Designer patterns run on user input: `^(a+)+$` and 30 characters would backtrack for a minute, so a match
# gets this long (the `regex` module checks its timeout while backtracking; `re` cannot be interrupted).
PATTERN_TIMEOUT = 0.25
MAX_ITEMS = 1_000

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass(frozen=True)
class StoredFileInfo:
    """What the validator needs to know about an uploaded file."""

    document_id: str
    file_name: str
    content_type: str
    size: int


FileResolver = Callable[[str], StoredFileInfo | None]


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Run:
    variables: Mapping[str, Any]
    evaluator: Evaluator
    resolve_file: FileResolver | None
    today: dt.date
    errors: dict[str, str] = field(default_factory=dict)


def validate_submission(
    schema: dict[str, Any],
    data: dict[str, Any],
    *,
    variables: Mapping[str, Any] | None = None,
    resolve_file: FileResolver | None = None,
    evaluator: Evaluator | None = None,
    today: dt.date | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check `data` against `schema`. Returns (cleaned, errors): `cleaned` holds only the form's visible,
    editable fields, typed; `errors` maps a field's data path (`a.b`, `items.0.name`) to a message.
    `variables` are the process variables the form was opened with (options, conditions, expressions)."""
    run = _Run(
        variables=variables or {},
        evaluator=evaluator or feel_evaluate,
        resolve_file=resolve_file,
        today=today or dt.datetime.now(tz=dt.UTC).date(),
    )
    if not isinstance(data, dict):
        return {}, {"": _("The submitted data must be an object.")}
    components = schema.get("components") if isinstance(schema, dict) else None
    components = components if isinstance(components, list) else []
    # Expressions see the process variables overlaid with what the user entered, as in form-js, but only
    # for names that are fields of this form: a client cannot inject, say, its own option list.
    fields = _top_level_names(components)
    root = {name: value for name, value in data.items() if name in fields}
    cleaned: dict[str, Any] = {}
    _walk(run, components, data, cleaned, [], root)
    return cleaned, run.errors


def form_field_names(schema: dict[str, Any]) -> set[str]:
    """The top-level variable names a form's fields write (a field `a.b` writes `a`)."""
    components = schema.get("components") if isinstance(schema, dict) else None
    return _top_level_names(components if isinstance(components, list) else [])


def _top_level_names(components: list[Any]) -> set[str]:
    names: set[str] = set()
    for component in components:
        if not isinstance(component, dict):
            continue
        kind = component.get("type")
        if kind == "group" and not component.get("path"):
            names |= _top_level_names(component.get("components") or [])
            continue
        path = key_path(str(component.get("path" if kind in ("group", "dynamiclist") else "key") or ""))
        if path and kind not in DISPLAY_TYPES:
            names.add(path[0])
    return names


# --- walking -------------------------------------------------------------------------------------------


def _context(run: _Run, root: dict[str, Any], local: dict[str, Any] | None) -> dict[str, Any]:
    # form-js evaluates against the initial data overlaid with what the user entered; inside a dynamic list
    # the current item's fields are visible by name too.
    context = {**run.variables, **root}
    if local is not None and local is not root:
        context.update(local)
    return context


def _truthy_expression(run: _Run, value: Any, context: dict[str, Any]) -> bool:
    result = evaluate_or(False, value, context, run.evaluator)
    return result is True


def _walk(
    run: _Run,
    components: list[Any],
    scope: dict[str, Any],
    out: dict[str, Any],
    prefix: list[str],
    root: dict[str, Any],
) -> None:
    local = scope if prefix else None
    for component in components:
        if not isinstance(component, dict):
            continue
        kind = component.get("type")
        if kind in DISPLAY_TYPES or kind is None:
            continue
        context = _context(run, root, local)
        conditional = component.get("conditional")
        if isinstance(conditional, dict) and _truthy_expression(run, conditional.get("hide"), context):
            continue  # hidden: neither validated nor submitted
        if kind == "group":
            _group(run, component, scope, out, prefix, root)
        elif kind == "dynamiclist":
            _dynamic_list(run, component, scope, out, prefix, root)
        elif kind in INPUT_TYPES:
            _input(run, component, scope, out, prefix, context)
        # Unknown component types carry no data the server knows how to check: they are dropped.


def _group(
    run: _Run,
    component: dict[str, Any],
    scope: dict[str, Any],
    out: dict[str, Any],
    prefix: list[str],
    root: dict[str, Any],
) -> None:
    path = key_path(str(component.get("path") or ""))
    children = component.get("components") or []
    if not path:
        _walk(run, children, scope, out, prefix, root)
        return
    sub = _get(scope, path)
    if sub is not None and not isinstance(sub, dict):
        run.errors[".".join(prefix + path)] = _("Expected an object.")
        return
    sub_out: dict[str, Any] = {}
    _walk(run, children, sub or {}, sub_out, prefix + path, root)
    if sub_out:
        _set(out, path, sub_out)


def _dynamic_list(
    run: _Run,
    component: dict[str, Any],
    scope: dict[str, Any],
    out: dict[str, Any],
    prefix: list[str],
    root: dict[str, Any],
) -> None:
    path = key_path(str(component.get("path") or ""))
    if not path:
        return
    name = ".".join(prefix + path)
    items = _get(scope, path)
    if items is None:
        return
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        run.errors[name] = _("Expected a list.")
        return
    if component.get("allowAddRemove") is False and "defaultRepetitions" in component:
        if len(items) != int(component.get("defaultRepetitions") or 0):
            run.errors[name] = _("Items cannot be added or removed.")
            return
    cleaned_items: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            run.errors[f"{name}.{index}"] = _("Expected an object.")
            continue
        item_out: dict[str, Any] = {}
        _walk(run, component.get("components") or [], item, item_out, [*prefix, *path, str(index)], root)
        cleaned_items.append(item_out)
    _set(out, path, cleaned_items)


def _input(
    run: _Run,
    component: dict[str, Any],
    scope: dict[str, Any],
    out: dict[str, Any],
    prefix: list[str],
    context: dict[str, Any],
) -> None:
    path = key_path(str(component.get("key") or ""))
    if not path:
        return
    kind = component["type"]
    if kind == "expression":
        # Computed on the server from trusted inputs; a client-sent value is ignored.
        _set(out, path, evaluate_or(None, component.get("expression"), context, run.evaluator))
        return
    # What the user cannot edit, the user cannot change: the process keeps its own value.
    if _flag(run, component.get("readonly"), context) or _flag(run, component.get("disabled"), context):
        return
    name = ".".join(prefix + path)
    present, value = _lookup(scope, path)
    validate = component.get("validate") if isinstance(component.get("validate"), dict) else {}
    required = bool(validate.get("required"))
    try:
        if not present or _is_empty(kind, value):
            if required:
                raise _Invalid(_("Field is required."))
            if present:
                _set(out, path, _empty_value(kind, value))
            return
        cleaned = _CHECKERS[kind](run, component, value, validate, context)
    except _Invalid as exc:
        run.errors[name] = exc.message
        return
    _set(out, path, cleaned)


def _flag(run: _Run, value: Any, context: dict[str, Any]) -> bool:
    if is_expression(value):
        return _truthy_expression(run, value, context)
    return value is True


def _is_empty(kind: str, value: Any) -> bool:
    if value is None or value == "" or value == []:
        return True
    # form-js's required checkbox means "must be ticked".
    return kind == "checkbox" and value is False


def _empty_value(kind: str, value: Any) -> Any:
    if kind == "checkbox" and value is False:
        return False
    if kind in {"checklist", "taglist"} and value == []:
        return []
    if kind in {"textfield", "textarea"} and value == "":
        return ""
    return None


# --- per type ---------------------------------------------------------------------------------------------


def _text(run: _Run, component: dict[str, Any], value: Any, validate: dict[str, Any], _c: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(_("Expected text."))
    if len(value) > MAX_TEXT:
        raise _Invalid(_("Field must have maximum length of %(n)s.") % {"n": MAX_TEXT})
    min_length = _int(validate.get("minLength"))
    max_length = _int(validate.get("maxLength"))
    if min_length is not None and len(value) < min_length:
        raise _Invalid(_("Field must have minimum length of %(n)s.") % {"n": min_length})
    if max_length is not None and len(value) > max_length:
        raise _Invalid(_("Field must have maximum length of %(n)s.") % {"n": max_length})
    pattern = validate.get("pattern")
    validation_type = validate.get("validationType")
    if validation_type == "email" and not EMAIL.match(value):
        raise _Invalid(_("Field must be a valid email."))
    if validation_type == "phone" and not PHONE.match(value):
        raise _Invalid(_("Field must be a valid international phone number. (e.g. +4930664040900)"))
    if isinstance(pattern, str) and pattern and validation_type in (None, "", "custom"):
        try:
            # form-js: new RegExp(pattern).test(value); VERSION0 keeps `re` syntax
            found = regex.search(pattern, value, flags=regex.VERSION0, timeout=PATTERN_TIMEOUT)
            matched = found is not None
        except (regex.error, re.error, OverflowError, RecursionError):
            matched = True  # a pattern the server cannot compile is the designer's bug, not the user's
        except TimeoutError:
            matched = False  # too costly to decide: refuse the value rather than hang the worker
        if not matched:
            raise _Invalid(_("Field must match pattern %(pattern)s.") % {"pattern": pattern})
    return value


def _number(run: _Run, component: dict[str, Any], value: Any, validate: dict[str, Any], _c: Any) -> Any:
    as_string = bool(component.get("serializeToString"))
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _Invalid(_("Expected a number."))
    if isinstance(value, str) and not as_string:
        raise _Invalid(_("Expected a number."))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Invalid(_("Expected a number.")) from None
    if not number.is_finite() or (isinstance(value, float) and not math.isfinite(value)):
        raise _Invalid(_("Expected a number."))
    digits = _int(component.get("decimalDigits"))
    if digits is not None and -number.as_tuple().exponent > digits and number != number.to_integral_value():
        raise _Invalid(_("Field must have at most %(n)s decimal digits.") % {"n": digits})
    minimum, maximum = _decimal(validate.get("min")), _decimal(validate.get("max"))
    if minimum is not None and number < minimum:
        raise _Invalid(_("Field must have minimum value of %(n)s.") % {"n": validate.get("min")})
    if maximum is not None and number > maximum:
        raise _Invalid(_("Field must have maximum value of %(n)s.") % {"n": validate.get("max")})
    increment = _decimal(component.get("increment"))
    if increment is not None and increment > 0:
        offset = minimum if minimum is not None else Decimal(0)
        if (number - offset) % increment != 0:
            raise _Invalid(_("Please select a valid value in steps of %(n)s.") % {"n": increment})
    if as_string:
        return str(number)
    if number == number.to_integral_value() and abs(number) < 2**53:
        return int(number)
    return float(number)


def _checkbox(run: _Run, component: dict[str, Any], value: Any, validate: dict[str, Any], _c: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(_("Expected true or false."))
    return value


def _single_option(
    run: _Run, component: dict[str, Any], value: Any, validate: dict[str, Any], context: dict[str, Any]
) -> Any:
    if isinstance(value, (list, dict)):
        raise _Invalid(_("Expected a single value."))
    allowed = options_of(component, context, run.evaluator, run.variables)
    if not _in_options(value, allowed):
        raise _Invalid(_("Value is not one of the allowed options."))
    return value


def _many_options(
    run: _Run, component: dict[str, Any], value: Any, validate: dict[str, Any], context: dict[str, Any]
) -> list[Any]:
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise _Invalid(_("Expected a list of values."))
    allowed = options_of(component, context, run.evaluator, run.variables)
    cleaned: list[Any] = []
    for item in value:
        if isinstance(item, (list, dict)) or not _in_options(item, allowed):
            raise _Invalid(_("Value is not one of the allowed options."))
        if item not in cleaned:
            cleaned.append(item)
    return cleaned


def _datetime(run: _Run, component: dict[str, Any], value: Any, validate: dict[str, Any], _c: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(_("Expected a date or time."))
    subtype = component.get("subtype") or "date"
    date: dt.date | None = None
    if subtype == "date":
        date = _parse_date(value)
    elif subtype == "time":
        _parse_time(value)
    else:
        date_part, sep, time_part = value.partition("T")
        if not sep:
            raise _Invalid(_("Expected a date and time."))
        date = _parse_date(date_part)
        _parse_time(time_part)
    if date is not None and component.get("disallowPassedDates") and date < run.today:
        raise _Invalid(_("Selected date is in the past."))
    return value


def _parse_date(value: str) -> dt.date:
    if not DATE.match(value):
        raise _Invalid(_("Expected a date (YYYY-MM-DD)."))
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _Invalid(_("Expected a date (YYYY-MM-DD).")) from None


def _parse_time(value: str) -> None:
    match = TIME.match(value)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59 or int(match.group(3) or 0) > 59:
        raise _Invalid(_("Expected a time (HH:mm)."))


def _files(
    run: _Run, component: dict[str, Any], value: Any, validate: dict[str, Any], _c: Any
) -> list[dict[str, Any]]:
    ids = value if isinstance(value, list) else [value]
    if not ids or any(not isinstance(item, str) for item in ids):
        raise _Invalid(_("Expected uploaded files."))
    if len(ids) > 1 and not component.get("multiple"):
        raise _Invalid(_("Only one file may be uploaded."))
    if run.resolve_file is None:
        raise _Invalid(_("File uploads are not accepted here."))
    accept = str(component.get("accept") or "")
    documents: list[dict[str, Any]] = []
    for document_id in ids:
        info = run.resolve_file(document_id)
        if info is None:
            raise _Invalid(_("An uploaded file was not found."))
        if accept and not accepts(accept, info.file_name, info.content_type):
            raise _Invalid(_("File type %(type)s is not accepted.") % {"type": info.content_type})
        documents.append(
            {
                "camunda.document.type": "camunda",
                "storeId": "bizdevops",
                "documentId": info.document_id,
                "metadata": {"fileName": info.file_name, "contentType": info.content_type, "size": info.size},
            }
        )
    return documents


_CHECKERS: dict[str, Callable[[_Run, dict[str, Any], Any, dict[str, Any], dict[str, Any]], Any]] = {
    "textfield": _text,
    "textarea": _text,
    "number": _number,
    "checkbox": _checkbox,
    "radio": _single_option,
    "select": _single_option,
    "checklist": _many_options,
    "taglist": _many_options,
    "datetime": _datetime,
    "filepicker": _files,
}
assert set(_CHECKERS) | {"expression"} == set(INPUT_TYPES)  # noqa: S101 - a new type must get a checker


# --- helpers ------------------------------------------------------------------------------------------------


def options_of(
    component: dict[str, Any],
    context: Mapping[str, Any],
    evaluator: Evaluator,
    variables: Mapping[str, Any] | None = None,
) -> list[Any]:
    """The allowed option values: static `values`, a process variable named by `valuesKey` (never the
    submission), or `valuesExpression` evaluated in `context`."""
    variables = context if variables is None else variables
    if component.get("type") not in OPTION_TYPES:
        return []
    if isinstance(component.get("values"), list):
        raw: Any = component["values"]
    elif isinstance(component.get("valuesKey"), str):
        _, raw = _lookup(dict(variables), key_path(component["valuesKey"]))
    elif is_expression(component.get("valuesExpression")):
        raw = evaluate_or([], component["valuesExpression"], context, evaluator)
    else:
        raw = []
    if not isinstance(raw, list):
        return []
    # form-js accepts {label, value} objects and, since 1.x, plain values.
    return [item.get("value") if isinstance(item, dict) else item for item in raw]


def _in_options(value: Any, allowed: list[Any]) -> bool:
    # bool is an int in Python; form-js compares strictly, so True must not match 1.
    return any(type(value) is type(option) and value == option for option in allowed) or any(
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and isinstance(option, (int, float))
        and not isinstance(option, bool)
        and value == option
        for option in allowed
    )


def accepts(accept: str, file_name: str, content_type: str) -> bool:
    """The HTML `accept` rule: `.ext`, `type/*` or an exact content type."""
    name = file_name.lower()
    content_type = content_type.lower()
    for rule in (part.strip().lower() for part in accept.split(",")):
        if not rule:
            continue
        if rule.startswith(".") and name.endswith(rule):
            return True
        if rule.endswith("/*") and content_type.startswith(rule[:-1]):
            return True
        if rule == content_type:
            return True
    return False


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _lookup(scope: dict[str, Any], path: list[str]) -> tuple[bool, Any]:
    current: Any = scope
    for part in path:
        if not isinstance(current, dict) or part not in current:
            return False, None
        current = current[part]
    return True, current


def _get(scope: dict[str, Any], path: list[str]) -> Any:
    return _lookup(scope, path)[1]


def _set(out: dict[str, Any], path: list[str], value: Any) -> None:
    current = out
    for part in path[:-1]:
        nxt = current.get(part)
        if not isinstance(nxt, dict):
            nxt = current[part] = {}
        current = nxt
    current[path[-1]] = value
