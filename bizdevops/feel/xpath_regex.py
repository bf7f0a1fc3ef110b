"""XPath (XML Schema) regular expressions, translated to the ``regex`` module's syntax and run with a time limit.

FEEL's ``matches``, ``replace`` and ``split`` use XPath regex syntax and flags (``s m i x q``). The two
dialects mostly agree; this module rewrites the differences: ``.`` does not match CR/LF, ``$`` only matches
at the very end outside multi-line mode, class subtraction ``[a-z-[aeiou]]``, ``\\p{IsBlock}`` and
``\\p{Category}`` escapes, back-references to groups that do not exist (they match the empty string), and
Python-only syntax (``(?i)``, ``(?P<``, look-arounds) is rejected.

Patterns come from users, so every match runs under a time limit (``regex`` checks it while backtracking;
Python's ``re`` cannot be interrupted and a pattern such as ``(a|aa)+$`` would pin a worker for ever).
``regex`` unrolls counted repeats when it compiles, so the translator also bounds the unrolled size of a
pattern before compiling it: ``((a{1000}){1000}){1000}`` would otherwise allocate gigabytes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import regex

from bizdevops.feel.values import FeelError

MAX_PATTERN = 1000
# Longest string a pattern runs on; longer input is refused rather than scanned.
MAX_INPUT = 1_000_000
# Seconds one regular-expression call may take, plus PER_CHARACTER for each input character (replacing
# every character of a 1,000,000-character string legitimately takes about 0.4 s). `regex` checks the clock
# while backtracking, so a catastrophic pattern on a short input stops shortly after 0.25 s (measured:
# 0.3-0.7 s on a loaded 2-core machine).
TIMEOUT = 0.25
PER_CHARACTER = 1e-6
# Upper bound on the size of a pattern once `regex` has unrolled its repeats (about 270 bytes to 2 KB each).
MAX_EXPANSION = 10_000
TOO_LONG = "regular expression took too long"
# Compiled patterns kept for reuse (a decision table runs the same pattern on every row). Only small ones:
# a pattern near MAX_EXPANSION holds about 10 MB, so neither we nor `regex`'s own cache keep those.
_CACHE_SIZE = 256
_CACHEABLE = 500
_cache: dict[tuple[str, str], Any] = {}
_cache_lock = threading.Lock()

_QUANTIFIER = re.compile(r"\{(\d+)(,(\d*))?\}")

# Inner character-class forms (usable inside [...]) for the escapes Python lacks.
_BLOCKS = {
    "IsBasicLatin": "\\x00-\\x7F",
    "IsLatin-1Supplement": "\\x80-\\xFF",
    "IsLatinExtended-A": "\\u0100-\\u017F",
    "IsLatinExtended-B": "\\u0180-\\u024F",
    "IsGreek": "\\u0370-\\u03FF",
    "IsGreekandCoptic": "\\u0370-\\u03FF",
    "IsCyrillic": "\\u0400-\\u04FF",
    "IsHebrew": "\\u0590-\\u05FF",
    "IsArabic": "\\u0600-\\u06FF",
    "IsCJKUnifiedIdeographs": "\\u4E00-\\u9FFF",
    "IsHiragana": "\\u3040-\\u309F",
    "IsKatakana": "\\u30A0-\\u30FF",
}
_CATEGORIES = {
    "L": "a-zA-Z\\u00AA\\u00B5\\u00BA\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u03FF\\u0400-\\u04FF",
    "Lu": "A-Z\\u00C0-\\u00D6\\u00D8-\\u00DE",
    "Ll": "a-z\\u00B5\\u00DF-\\u00F6\\u00F8-\\u00FF",
    "N": "0-9\\u00B2\\u00B3\\u00B9\\u00BC-\\u00BE",
    "Nd": "0-9",
    "P": "!-#%-*,-/:;?@\\[-\\]_{}\\u00A1\\u00A7\\u00AB\\u00B6\\u00B7\\u00BB\\u00BF",
    "Z": " \\u00A0\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000",
    "Zs": " \\u00A0\\u2000-\\u200A\\u202F\\u205F\\u3000",
    "S": "$+<->^`|~\\u00A2-\\u00A6\\u00A8\\u00A9\\u00AC\\u00AE-\\u00B1\\u00B4\\u00D7\\u00F7",
}


def compile_xpath(pattern: str, flags: str) -> Any:
    """Compile an XPath regex with XPath flags into a ``regex`` pattern; FeelError when either is invalid.

    Run the result only through ``search``, ``fullmatch``, ``split``, ``sub`` and ``find_all`` below: they
    apply the time limit and the input size limit.
    """
    key = (pattern, flags)
    compiled = _cache.get(key)
    if compiled is not None:
        return compiled
    if len(pattern) > MAX_PATTERN:
        raise FeelError(f"pattern longer than {MAX_PATTERN} characters")
    if any(c not in "smixq" for c in flags):
        raise FeelError(f"invalid regular expression flags {flags!r}")
    rx_flags = regex.VERSION0
    if "i" in flags:
        rx_flags |= regex.IGNORECASE
    if "m" in flags:
        rx_flags |= regex.MULTILINE
    if "s" in flags:
        rx_flags |= regex.DOTALL
    if "q" in flags:
        source, size = regex.escape(pattern), len(pattern)
    else:
        translator = _Translator(pattern, flags)
        source, size = translator.translate(), translator.sizes[0][0]
    try:
        compiled = regex.compile(source, rx_flags, cache_pattern=False)
    except (regex.error, OverflowError, RecursionError, MemoryError) as error:
        raise FeelError(f"invalid regular expression: {error}") from error
    if size <= _CACHEABLE:
        with _cache_lock:
            if len(_cache) >= _CACHE_SIZE:
                del _cache[next(iter(_cache))]  # the oldest entry
            _cache[key] = compiled
    return compiled


def _limited(call: Callable[..., Any], text: str, *args: Any) -> Any:
    if len(text) > MAX_INPUT:
        raise FeelError(f"input longer than {MAX_INPUT} characters for a regular expression")
    try:
        return call(*args, timeout=TIMEOUT + len(text) * PER_CHARACTER)
    except TimeoutError as error:
        raise FeelError(TOO_LONG) from error


def search(rx: Any, text: str) -> Any:
    """The first match of ``rx`` in ``text`` or None; FeelError on a time-out or a too long input."""
    return _limited(rx.search, text, text)


def fullmatch(rx: Any, text: str) -> Any:
    return _limited(rx.fullmatch, text, text)


def split(rx: Any, text: str) -> list[str]:
    return list(_limited(rx.split, text, text))


def sub(rx: Any, replacement: str | Callable[[Any], str], text: str) -> str:
    return str(_limited(rx.sub, text, replacement, text))


def find_all(rx: Any, text: str) -> list[str]:
    """Every non-overlapping match; the time limit covers the whole scan."""
    matches = _limited(rx.finditer, text, text)  # the iterator keeps the time limit it was made with
    try:
        # The iterator runs the matcher lazily, so a time-out surfaces here.
        return [m.group() for m in matches]
    except TimeoutError as error:
        raise FeelError(TOO_LONG) from error


class _Translator:
    def __init__(self, pattern: str, flags: str) -> None:
        self.p = pattern
        self.i = 0
        self.extended = "x" in flags
        self.dot_all = "s" in flags
        self.multi_line = "m" in flags
        self.groups = 0
        self.closed_groups: set[int] = set()
        self.open_groups: list[int] = []
        # Unrolled size per open group: [total so far, size of the last atom] (the last atom is what a
        # following quantifier multiplies).
        self.sizes: list[list[int]] = [[0, 0]]

    def _atom(self, size: int = 1) -> None:
        frame = self.sizes[-1]
        frame[0] += size
        frame[1] = size
        self._check_size(frame[0])

    def _repeat(self, factor: int) -> None:
        frame = self.sizes[-1]
        frame[0] += frame[1] * (max(factor, 1) - 1)
        frame[1] *= max(factor, 1)
        self._check_size(frame[0])

    def _check_size(self, total: int) -> None:
        if total > MAX_EXPANSION:
            raise self.error("pattern too large once its repeats are unrolled")

    def error(self, message: str) -> FeelError:
        return FeelError(f"invalid regular expression: {message}")

    def _strip_whitespace(self) -> None:
        """The x flag: whitespace outside character classes goes before anything else is read."""
        out: list[str] = []
        depth = 0
        escaped = False
        for ch in self.p:
            if escaped:
                if ch in " \t\n\r" and not depth:
                    continue  # `\ s` is `\s` once whitespace is gone
                out.append(ch)
                escaped = False
                continue
            if ch == "\\":
                escaped = True
            elif ch == "[":
                depth += 1
            elif ch == "]" and depth:
                depth -= 1
            elif ch in " \t\n\r" and not depth:
                continue
            out.append(ch)
        self.p = "".join(out)

    def translate(self) -> str:
        if self.extended:
            self._strip_whitespace()
        out: list[str] = []
        p = self.p
        while self.i < len(p):
            ch = p[self.i]
            if self.extended and ch in " \t\n\r":
                self.i += 1
                continue
            if ch == "\\":
                out.append(self.escape(in_class=False))
                self._atom()
            elif ch == "[":
                out.append(self.char_class())
                self._atom()
            elif ch == ".":
                out.append("." if self.dot_all else "[^\\n\\r]")
                self._atom()
                self.i += 1
            elif ch == "$":
                out.append("$" if self.multi_line else "(?!(?s:.))")
                self._atom()
                self.i += 1
            elif ch == "(":
                self.sizes.append([0, 0])
                if p.startswith("(?:", self.i):
                    out.append("(?:")
                    self.open_groups.append(0)
                    self.i += 3
                    continue
                if p.startswith("(?", self.i):
                    raise self.error("unsupported group syntax")
                self.groups += 1
                self.open_groups.append(self.groups)
                out.append("(")
                self.i += 1
            elif ch == ")":
                if not self.open_groups:
                    raise self.error("unbalanced parenthesis")
                number = self.open_groups.pop()
                if number:
                    self.closed_groups.add(number)
                out.append(")")
                self._atom(max(self.sizes.pop()[0], 1))
                self.i += 1
            elif ch == "]":
                raise self.error("unbalanced ]")
            elif ch == "{":
                m = _QUANTIFIER.match(p, self.i)
                if not m:
                    raise self.error("invalid quantifier")
                low, comma, high = m.groups()
                # `regex` unrolls {n,m} up to m copies and {n,} to n copies plus a loop.
                self._repeat(max(int(low), int(high)) if high else int(low) + (1 if comma else 0))
                out.append(m.group())
                self.i = m.end()
            else:
                if ch == "+":
                    self._repeat(2)  # `regex` compiles x+ as x followed by x*
                elif ch == "|":
                    self.sizes[-1][1] = 0
                elif ch not in "*?":
                    self._atom()
                out.append(ch)
                self.i += 1
        if self.open_groups:
            raise self.error("unbalanced parenthesis")
        return "".join(out)

    def _property(self) -> tuple[str, bool]:
        """After ``\\p``/``\\P``: the inner class text and whether it is negated."""
        negated = self.p[self.i] == "P"
        self.i += 1
        if self.i >= len(self.p) or self.p[self.i] != "{":
            raise self.error("expected { after \\p")
        end = self.p.find("}", self.i)
        if end < 0:
            raise self.error("unterminated \\p{")
        name = self.p[self.i + 1 : end]
        if self.extended:
            name = re.sub(r"\s+", "", name)
        self.i = end + 1
        inner = _BLOCKS.get(name) if name.startswith("Is") else _CATEGORIES.get(name)
        if inner is None:
            raise self.error(f"unsupported property \\p{{{name}}}")
        return inner, negated

    def escape(self, in_class: bool) -> str:
        p = self.p
        self.i += 1
        if self.i >= len(p):
            raise self.error("trailing backslash")
        c = p[self.i]
        if c in "pP":
            inner, negated = self._property()
            if in_class:
                if negated:
                    raise self.error("negated property inside a class")
                return inner
            return ("[^" if negated else "[") + inner + "]"
        if c.isdigit():
            if in_class or c == "0":
                raise self.error("back-reference not allowed here")
            # Longest group number that exists; a reference to no closed group matches the empty string.
            j = self.i + 1
            while j < len(p) and p[j].isdigit() and int(p[self.i : j + 1]) <= self.groups:
                j += 1
            number = int(p[self.i : j])
            self.i = j
            if number in self.closed_groups:
                return f"(?:\\{number})"
            return "(?:)"
        if c == "i":
            self.i += 1
            return "[A-Za-z_:]" if not in_class else "A-Za-z_:"
        if c == "c":
            self.i += 1
            return "[-.0-9A-Za-z_:]" if not in_class else "\\-.0-9A-Za-z_:"
        if c in "IC":
            raise self.error(f"unsupported escape \\{c}")
        if c.isalpha() and c not in "nrtdDsSwW":
            raise self.error(f"invalid escape \\{c}")
        self.i += 1
        return "\\" + c

    def char_class(self) -> str:
        """Translate ``[...]`` starting at '[' (with XPath subtraction ``-[...]``)."""
        p = self.p
        self.i += 1
        negated = False
        if self.i < len(p) and p[self.i] == "^":
            negated = True
            self.i += 1
        parts: list[str] = []
        subtract: str | None = None
        first = True
        while True:
            if self.i >= len(p):
                raise self.error("unterminated character class")
            ch = p[self.i]
            if ch == "]" and not first:
                self.i += 1
                break
            if ch == "-" and p.startswith("-[", self.i):
                self.i += 1
                subtract = self.char_class()
                if self.i >= len(p) or p[self.i] != "]":
                    raise self.error("class subtraction must end the class")
                self.i += 1
                break
            if ch == "\\":
                parts.append(self.escape(in_class=True))
            elif ch == "[":
                raise self.error("[ inside a character class")
            elif ch in "&~|" and p.startswith(ch * 2, self.i):
                parts.append("\\" + ch)  # Python reserves doubled set operators
                self.i += 1
            else:
                parts.append(ch)
                self.i += 1
            first = False
        base = "[" + ("^" if negated else "") + "".join(parts) + "]"
        if subtract is None:
            return base
        return f"(?:(?!{subtract}){base})"
