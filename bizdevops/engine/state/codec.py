"""JSON for the engine's rows (state documents, history records, variable values, task fields), encoded
and decoded on every command: orjson where it gives back exactly what the standard library would, the
standard library where it would not.

- Encoding: compact (no spaces; PostgreSQL's jsonb ignores them anyway). Values orjson refuses (an integer
  beyond 64 bits, a lone surrogate, a type it does not know) and subclasses of str/int/dict/list, dataclasses
  and datetimes (which the standard library refuses or treats its own way) go through `json.dumps`, so they
  encode, or fail, as before. Non-finite floats (NaN, ±Infinity) have no JSON form: orjson writes null, as
  JavaScript's JSON.stringify does; the standard library wrote `NaN`, which PostgreSQL refused.
- Decoding: orjson reads integers beyond 64 bits as floats, losing digits, so a text with a run of 19 or
  more digits is read by `json.loads` (exact integers); so is anything orjson refuses.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_DUMP_OPTIONS = (
    orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)
_LONG_NUMBER = re.compile(r"[0-9]{19}")
_LONG_NUMBER_BYTES = re.compile(rb"[0-9]{19}")


class Encoded:
    """A value already encoded by `dumps` (its `text`), for a writer that needs the text itself too;
    `dumps` gives the text back as it is."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(value: Any) -> str:
    if type(value) is Encoded:
        return value.text
    try:
        return orjson.dumps(value, option=_DUMP_OPTIONS).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"))


def loads(text: str | bytes | bytearray | memoryview) -> Any:
    if isinstance(text, str):
        exact_needed = _LONG_NUMBER.search(text) is not None
    else:
        text = bytes(text)
        exact_needed = _LONG_NUMBER_BYTES.search(text) is not None
    if not exact_needed:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
