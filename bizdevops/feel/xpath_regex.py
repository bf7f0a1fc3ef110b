"""XPath (XML Schema) regular expressions, translated to Python's ``re``.

FEEL's ``matches``, ``replace`` and ``split`` use XPath regex syntax and flags (``s m i x q``). The two
dialects mostly agree; this module rewrites the differences: ``.`` does not match CR/LF, ``$`` only matches
at the very end outside multi-line mode, class subtraction ``[a-z-[aeiou]]``, ``\\p{IsBlock}`` and
``\\p{Category}`` escapes, back-references to groups that do not exist (they match the empty string), and
Python-only syntax (``(?i)``, ``(?P<``, look-arounds) is rejected.
"""

from __future__ import annotations

import re

from bizdevops.feel.values import FeelError

MAX_PATTERN = 1000

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


def compile_xpath(pattern: str, flags: str) -> re.Pattern[str]:
    """Compile an XPath regex with XPath flags; FeelError when either is invalid."""
    if len(pattern) > MAX_PATTERN:
        raise FeelError("pattern too long")
    if any(c not in "smixq" for c in flags):
        raise FeelError(f"invalid regular expression flags {flags!r}")
    py_flags = 0
    if "i" in flags:
        py_flags |= re.I
    if "m" in flags:
        py_flags |= re.M
    if "s" in flags:
        py_flags |= re.S
    if "q" in flags:
        source = re.escape(pattern)
    else:
        source = _Translator(pattern, flags).translate()
    try:
        return re.compile(source, py_flags)
    except (re.error, OverflowError, RecursionError) as error:
        raise FeelError(f"invalid regular expression: {error}") from error


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
            elif ch == "[":
                out.append(self.char_class())
            elif ch == ".":
                out.append("." if self.dot_all else "[^\\n\\r]")
                self.i += 1
            elif ch == "$":
                out.append("$" if self.multi_line else "(?!(?s:.))")
                self.i += 1
            elif ch == "(":
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
                self.i += 1
            elif ch == "]":
                raise self.error("unbalanced ]")
            elif ch == "{":
                m = re.compile(r"\{(\d+)(,(\d*))?\}").match(p, self.i)
                if not m:
                    raise self.error("invalid quantifier")
                out.append(m.group())
                self.i = m.end()
            else:
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
