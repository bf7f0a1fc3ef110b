"""Hand-written FEEL lexer and precedence-climbing parser.

Names may contain spaces and some operator characters (``Full Name``, ``date and time``). The lexer
produces plain tokens; at each name position the parser joins following tokens while the joined text is a
prefix of a name in scope and keeps the longest full match (as lezer-feel does). Names in scope are the
caller's ``names``, the built-in function names, and names the expression itself introduces (context
entries, iteration variables, function parameters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from bizdevops.feel import ast
from bizdevops.feel.errors import FeelSyntaxError
from bizdevops.feel.values import FeelError, parse_temporal

MAX_DEPTH = 400  # counts roughly two per nesting level (expression + bracket)
# Longest FEEL text accepted: parsing and compiling take about 5 us a character, so this bounds them to
# about half a second; a hand-written expression, even a long list of codes, is far shorter.
MAX_TEXT = 100_000

KEYWORDS = frozenset(
    {
        "if",
        "then",
        "else",
        "for",
        "in",
        "return",
        "some",
        "every",
        "satisfies",
        "and",
        "or",
        "between",
        "instance",
        "of",
        "function",
        "true",
        "false",
        "null",
        "external",
    }
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "name", "number", "string", "op", "backtick", "eof"
    text: str
    start: int
    end: int
    value: object = None


_OPERATORS = ("..", "**", "<=", ">=", "!=", "->", "=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]")
_OPERATORS2 = ("{", "}", ",", ":", ".", "@", "'")
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_SPACE = re.compile(r"(?:\s|//[^\n]*|/\*.*?\*/)+", re.S)


def _is_name_start(ch: str) -> bool:
    return ch.isalpha() or ch in "_?$" or ord(ch) > 0x7F and not ch.isspace()


def _is_name_part(ch: str) -> bool:
    return ch.isalnum() or ch in "_?$" or ord(ch) > 0x7F and not ch.isspace()


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_TEXT:
        raise FeelSyntaxError(f"expression longer than {MAX_TEXT} characters", text, MAX_TEXT)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while True:
        m = _SPACE.match(text, i)
        if m:
            i = m.end()
        if i >= n:
            break
        if text.startswith("/*", i):
            raise FeelSyntaxError("unterminated comment", text, i)
        ch = text[i]
        if (
            ch.isdigit()
            or ch == "."
            and i + 1 < n
            and text[i + 1].isdigit()
            and not text.startswith("..", i - 1)
        ):
            m = _NUMBER.match(text, i)
            assert m is not None
            tokens.append(Token("number", m.group(), i, m.end(), Decimal(m.group())))
            i = m.end()
            continue
        if ch == '"':
            value, end = _read_string(text, i)
            tokens.append(Token("string", text[i:end], i, end, value))
            i = end
            continue
        if ch == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise FeelSyntaxError("unterminated `name`", text, i)
            tokens.append(Token("backtick", text[i : end + 1], i, end + 1, text[i + 1 : end]))
            i = end + 1
            continue
        if _is_name_start(ch):
            j = i + 1
            while j < n and _is_name_part(text[j]):
                j += 1
            tokens.append(Token("name", text[i:j], i, j))
            i = j
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token("op", op, i, i + len(op)))
                i += len(op)
                break
        else:
            if ch in _OPERATORS2:
                tokens.append(Token("op", ch, i, i + 1))
                i += 1
            else:
                raise FeelSyntaxError(f"unexpected character {ch!r}", text, i)
    tokens.append(Token("eof", "", n, n))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            return _join_surrogates("".join(out)), i + 1
        if ch == "\\":
            if i + 1 >= n:
                break
            esc = text[i + 1]
            simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "'": "'", "\\": "\\", "b": "\b", "f": "\f"}
            if esc in simple:
                out.append(simple[esc])
                i += 2
                continue
            if esc == "u":
                digits = text[i + 2 : i + 6]
                if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
                    out.append(chr(int(digits, 16)))
                    i += 6
                    continue
                raise FeelSyntaxError("invalid \\u escape", text, i)
            if esc == "U":
                m = re.compile(r"[0-9a-fA-F]{6}").match(text, i + 2)
                if m and int(m.group(), 16) <= 0x10FFFF:
                    out.append(chr(int(m.group(), 16)))
                    i = m.end()
                    continue
                raise FeelSyntaxError("invalid \\U escape", text, i)
            # Unknown escapes stay as written: regex patterns such as "\\d+" rely on it.
            out.append("\\" + esc)
            i += 2
            continue
        out.append(ch)
        i += 1
    raise FeelSyntaxError("unterminated string", text, start)


def _join_surrogates(value: str) -> str:
    if not any("\ud800" <= c <= "\udfff" for c in value):
        return value
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _prefixes(names: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for name in names:
        normal = _normalize(name)
        for k in range(1, len(normal) + 1):
            out.add(normal[:k])
    return frozenset(out)


_WS = re.compile(r"\s+")


def _normalize(name: str) -> str:
    return _WS.sub(" ", name.strip())


BUILTIN_NAMES: set[str] = set()  # filled by the interpreter's builtins module at import
PROPERTY_NAMES = ("start included", "end included", "time offset")
_builtin_cache: tuple[int, frozenset[str], frozenset[str]] = (-1, frozenset(), frozenset())


def _builtin_sets() -> tuple[frozenset[str], frozenset[str]]:
    global _builtin_cache
    if _builtin_cache[0] != len(BUILTIN_NAMES):
        multi = frozenset(n for n in (*BUILTIN_NAMES, *PROPERTY_NAMES) if " " in n)
        _builtin_cache = (len(BUILTIN_NAMES), multi, _prefixes(multi))
    return _builtin_cache[1], _builtin_cache[2]


_COMPARISON_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_NAME_JOINERS = frozenset({"+", "-", "*", "/", ".", "'", "@"})


class Parser:
    def __init__(self, text: str, names: Iterable[str] = ()) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        builtin_names, builtin_prefixes = _builtin_sets()
        extra = [_normalize(n) for n in names if n]
        self.names: set[str] = set(builtin_names) | set(extra)
        self.prefixes: set[str] = set(builtin_prefixes) | set(_prefixes(extra))
        self.uses_input = False
        self.no_filter_depth = -1

    # -- helpers -----------------------------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.pos + k, len(self.tokens) - 1)]

    def error(self, message: str, token: Token | None = None) -> FeelSyntaxError:
        token = token or self.tok
        found = "end of input" if token.kind == "eof" else repr(token.text)
        return FeelSyntaxError(f"{message}, found {found}", self.text, token.start)

    def at_op(self, *ops: str) -> bool:
        t = self.tok
        return t.kind == "op" and t.text in ops

    def at_word(self, *words: str) -> bool:
        t = self.tok
        return t.kind == "name" and t.text in words

    def expect_op(self, op: str) -> Token:
        if not self.at_op(op):
            raise self.error(f"expected {op!r}")
        t = self.tok
        self.pos += 1
        return t

    def expect_word(self, word: str) -> Token:
        if not self.at_word(word):
            raise self.error(f"expected {word!r}")
        t = self.tok
        self.pos += 1
        return t

    def declare(self, name: str) -> None:
        normal = _normalize(name)
        if normal not in self.names:
            self.names.add(normal)
            for k in range(1, len(normal) + 1):
                self.prefixes.add(normal[:k])

    def _span(self, first: int, last: int) -> str:
        return _normalize(self.text[self.tokens[first].start : self.tokens[last].end])

    def _longest_name(self) -> int:
        """Index of the last token of the longest known multi-token name starting here, or pos."""
        best = self.pos
        j = self.pos
        while True:
            j += 1
            t = self.tokens[j]
            if t.kind == "eof" or not (
                t.kind in ("name", "number") or t.kind == "op" and t.text in _NAME_JOINERS
            ):
                break
            span = self._span(self.pos, j)
            if span not in self.prefixes:
                break
            if span in self.names:
                best = j
        return best

    def read_name(self) -> tuple[str, Token]:
        """A name at the current position (possibly multi-token); advances past it."""
        t = self.tok
        if t.kind == "backtick":
            self.pos += 1
            return str(t.value), t
        if t.kind != "name":
            raise self.error("expected a name")
        last = self._longest_name()
        name = self._span(self.pos, last) if last > self.pos else t.text
        self.pos = last + 1
        return name, t

    def read_declared_name(self, stops: tuple[str, ...]) -> str:
        """A name being introduced (context key, parameter, variable): words up to a stop token."""
        t = self.tok
        if t.kind == "backtick":
            self.pos += 1
            return str(t.value)
        if t.kind == "string":
            self.pos += 1
            return str(t.value)
        if t.kind != "name":
            raise self.error("expected a name")
        first = self.pos
        while True:
            nxt = self.peek()
            if (
                nxt.kind == "eof"
                or nxt.kind == "op"
                and nxt.text in stops
                or nxt.kind == "name"
                and nxt.text in stops
            ):
                break
            if not (nxt.kind in ("name", "number") or nxt.kind == "op" and nxt.text in _NAME_JOINERS):
                break
            self.pos += 1
        name = self._span(first, self.pos)
        self.pos += 1
        return name

    # -- entry points ------------------------------------------------------------------------------------

    def parse_expression_text(self) -> ast.Node:
        node = self.expression()
        if self.tok.kind != "eof":
            raise self.error("expected end of expression")
        return node

    def parse_unary_tests_text(self) -> ast.UnaryTests:
        t = self.tok
        if t.kind == "eof":
            raise self.error("expected unary tests")
        if self.at_op("-") and self.peek().kind == "eof":
            self.pos += 1
            return ast.UnaryTests(t.start, (ast.AnyTest(t.start),))
        if self.at_word("not") and self.peek().kind == "op" and self.peek().text == "(":
            save = self.pos
            self.pos += 2
            tests = self.positive_unary_tests(")")
            if self.at_op(")") and self.peek().kind == "eof":
                self.pos += 1
                return ast.UnaryTests(t.start, tests, negated=True)
            self.pos = save
        tests = self.positive_unary_tests(None)
        if self.tok.kind != "eof":
            raise self.error("expected ',' or end of unary tests")
        return ast.UnaryTests(t.start, tests)

    def positive_unary_tests(self, closing: str | None) -> tuple[ast.Node, ...]:
        tests = [self.positive_unary_test()]
        while self.at_op(","):
            self.pos += 1
            tests.append(self.positive_unary_test())
        return tuple(tests)

    def positive_unary_test(self) -> ast.Node:
        t = self.tok
        if t.kind == "op" and t.text in _COMPARISON_OPS:
            self.pos += 1
            operand = self.binary(4)
            return ast.UnaryTest(t.start, t.text, operand)
        if (
            t.kind == "op"
            and t.text == "-"
            and self.peek().kind in ("eof",)
            or (
                t.kind == "op"
                and t.text == "-"
                and self.peek().kind == "op"
                and self.peek().text in (",", ")")
            )
        ):
            self.pos += 1
            return ast.AnyTest(t.start)
        return ast.UnaryTest(t.start, None, self.expression())

    # -- expressions -------------------------------------------------------------------------------------

    def expression(self) -> ast.Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested deeper than {MAX_DEPTH} levels")
        try:
            t = self.tok
            if t.kind == "name" and self._longest_name() == self.pos:
                word = t.text
                if word == "if":
                    return self.if_expression()
                if word == "for":
                    return self.for_expression()
                if word in ("some", "every") and self.peek().kind in ("name", "backtick"):
                    return self.quantified_expression()
            return self.binary(1)
        finally:
            self.depth -= 1

    def if_expression(self) -> ast.Node:
        start = self.expect_word("if").start
        condition = self.expression()
        self.expect_word("then")
        then = self.expression()
        self.expect_word("else")
        otherwise = self.expression()
        return ast.If(start, condition, then, otherwise)

    def iterations(self, stop: str) -> tuple[ast.Iteration, ...]:
        out: list[ast.Iteration] = []
        while True:
            name = self.read_declared_name(("in",))
            self.expect_word("in")
            start = self.expression()
            end = None
            if self.at_op(".."):
                self.pos += 1
                end = self.expression()
            self.declare(name)
            out.append(ast.Iteration(name, start, end))
            if self.at_op(","):
                self.pos += 1
                continue
            if not self.at_word(stop):
                raise self.error(f"expected ',' or {stop!r}")
            self.pos += 1
            return tuple(out)

    def for_expression(self) -> ast.Node:
        start = self.expect_word("for").start
        self.declare("partial")
        iterations = self.iterations("return")
        body = self.expression()
        return ast.For(start, iterations, body)

    def quantified_expression(self) -> ast.Node:
        t = self.tok
        self.pos += 1
        iterations = self.iterations("satisfies")
        condition = self.expression()
        return ast.Quantified(t.start, t.text == "every", iterations, condition)

    def _operator(self) -> tuple[str, int]:
        """The binary operator at the current token and its precedence (0 when there is none)."""
        t = self.tok
        if t.kind == "op":
            if t.text in ("+", "-"):
                return t.text, 4
            if t.text in ("*", "/"):
                return t.text, 5
            if t.text == "**":
                return t.text, 6
            if t.text in _COMPARISON_OPS:
                return t.text, 3
            return "", 0
        if t.kind == "name":
            if t.text == "or":
                return "or", 1
            if t.text == "and":
                return "and", 2
            if t.text in ("between", "in"):
                return t.text, 3
            if t.text == "instance" and self.peek().text == "of":
                return "instance", 3
        return "", 0

    def binary(self, min_level: int) -> ast.Node:
        """Precedence climbing: or(1) < and(2) < comparisons(3) < +-(4) < */(5) < **(6), all left-assoc."""
        left = self.unary()
        while True:
            op, level = self._operator()
            if level < min_level or not level:
                return left
            t = self.tok
            self.pos += 1
            if level == 3:
                left = self._comparison_rest(t, op, left)
            elif op == "or":
                left = ast.Disjunction(t.start, left, self.binary(2))
            elif op == "and":
                left = ast.Conjunction(t.start, left, self.binary(3))
            else:
                # unary minus binds tighter than ** (TCK 0075: -3 ** 2 = 9)
                left = ast.Arithmetic(t.start, op, left, self.binary(level + 1))

    def _comparison_rest(self, t: Token, op: str, left: ast.Node) -> ast.Node:
        if op == "between":
            low = self.binary(4)
            self.expect_word("and")
            high = self.binary(4)
            return ast.Between(t.start, left, low, high)
        if op == "in":
            return ast.In(t.start, left, self.in_tests())
        if op == "instance":
            self.pos += 1  # `of`
            return ast.InstanceOf(t.start, left, self.type_ref())
        return ast.Comparison(t.start, op, left, self.binary(4))

    def in_tests(self) -> ast.UnaryTests:
        t = self.tok
        if self.at_op("("):
            save = self.pos
            self.pos += 1
            try:
                tests = self.positive_unary_tests(")")
                if self.at_op(")") and len(tests) > 1:
                    self.pos += 1
                    return ast.UnaryTests(t.start, tests)
            except FeelSyntaxError:
                pass
            self.pos = save
        return ast.UnaryTests(t.start, (self.positive_unary_test_in(),))

    def positive_unary_test_in(self) -> ast.Node:
        t = self.tok
        if t.kind == "op" and t.text in _COMPARISON_OPS:
            self.pos += 1
            return ast.UnaryTest(t.start, t.text, self.binary(4))
        return ast.UnaryTest(t.start, None, self.binary(4))

    def type_ref(self) -> ast.TypeRef:
        t = self.tok
        if t.kind == "backtick":
            self.pos += 1
            return ast.TypeRef(t.start, str(t.value))
        if t.kind != "name":
            raise self.error("expected a type")
        if t.text == "function" and self.peek().text == "<":
            self.pos += 2
            params: list[ast.TypeRef] = []
            if not self.at_op(">"):
                params.append(self.type_ref())
                while self.at_op(","):
                    self.pos += 1
                    params.append(self.type_ref())
            self.expect_op(">")
            self.expect_op("->")
            return ast.TypeRef(t.start, "function", params=tuple(params), result=self.type_ref())
        if t.text in ("list", "range") and self.peek().text == "<":
            self.pos += 2
            element = self.type_ref()
            self.expect_op(">")
            return ast.TypeRef(t.start, t.text, element=element)
        if t.text == "context" and self.peek().text == "<":
            self.pos += 2
            fields: list[tuple[str, ast.TypeRef]] = []
            while True:
                key = self.read_declared_name((":",))
                self.expect_op(":")
                fields.append((key, self.type_ref()))
                if self.at_op(","):
                    self.pos += 1
                    continue
                break
            self.expect_op(">")
            return ast.TypeRef(t.start, "context", fields=tuple(fields))
        # Type names can have spaces (`date and time`, `years and months duration`) and dots (qualified).
        first = self.pos
        while True:
            nxt = self.peek()
            if nxt.kind == "name" and self._span(first, self.pos + 1) in _TYPE_PREFIXES:
                self.pos += 1
            elif nxt.kind == "op" and nxt.text == "." and self.peek(2).kind == "name":
                self.pos += 2
            else:
                break
        name = self._span(first, self.pos)
        self.pos += 1
        return ast.TypeRef(t.start, name)

    def unary(self) -> ast.Node:
        t = self.tok
        if self.at_op("-"):
            self.pos += 1
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"expression nested deeper than {MAX_DEPTH} levels")
            try:
                return ast.Negation(t.start, self.unary())
            finally:
                self.depth -= 1
        if self.at_op("+"):
            # unary plus is not FEEL but harmless; reject to stay strict
            raise self.error("expected an expression")
        return self.postfix(self.primary())

    def postfix(self, node: ast.Node) -> ast.Node:
        while True:
            t = self.tok
            if t.kind != "op":
                return node
            if t.text == ".":
                self.pos += 1
                nt = self.tok
                if nt.kind not in ("name", "backtick"):
                    raise self.error("expected a name after '.'")
                name, _ = self.read_name()
                node = ast.Path(t.start, node, name)
            elif t.text == "[" and self.depth != self.no_filter_depth:
                self.pos += 1
                self.declare("item")
                condition = self.expression()
                self.expect_op("]")
                node = ast.Filter(t.start, node, condition)
            elif t.text == "(":
                node = self.call(node)
            else:
                return node

    def call(self, function: ast.Node) -> ast.Node:
        start = self.expect_op("(").start
        args: list[ast.Node] = []
        named: list[tuple[str, ast.Node]] = []
        if self.at_op(")"):
            self.pos += 1
            return ast.Call(start, function, (), None)
        is_named = self._named_argument_ahead()
        while True:
            if is_named:
                name = self.read_declared_name((":",))
                self.expect_op(":")
                named.append((name, self.expression()))
            else:
                args.append(self.expression())
            if self.at_op(","):
                self.pos += 1
                continue
            self.expect_op(")")
            break
        return ast.Call(start, function, tuple(args), tuple(named) if is_named else None)

    def _named_argument_ahead(self) -> bool:
        j = self.pos
        if self.tokens[j].kind == "backtick":
            return self.tokens[j + 1].kind == "op" and self.tokens[j + 1].text == ":"
        while self.tokens[j].kind in ("name", "number") or (
            self.tokens[j].kind == "op" and self.tokens[j].text in _NAME_JOINERS and j > self.pos
        ):
            j += 1
        return j > self.pos and self.tokens[j].kind == "op" and self.tokens[j].text == ":"

    def primary(self) -> ast.Node:
        t = self.tok
        kind = t.kind
        if kind == "number":
            self.pos += 1
            return ast.Literal(t.start, t.value)
        if kind == "string":
            self.pos += 1
            return ast.Literal(t.start, t.value)
        if kind == "backtick":
            self.pos += 1
            return ast.Name(t.start, str(t.value))
        if kind == "name":
            last = self._longest_name()
            if last == self.pos:
                word = t.text
                if word in ("true", "false"):
                    self.pos += 1
                    return ast.Literal(t.start, word == "true")
                if word == "null":
                    self.pos += 1
                    return ast.Literal(t.start, None)
                if word == "function" and self.peek().text == "(":
                    return self.function_definition()
                if word == "?":
                    self.pos += 1
                    self.uses_input = True
                    return ast.InputValue(t.start)
                if word in ("if", "for") or word in ("some", "every") and self.peek().kind == "name":
                    return self.expression()
                if word in KEYWORDS and word not in ("in",):
                    raise self.error("expected an expression")
            name, _ = self.read_name()
            return ast.Name(t.start, name)
        if kind == "op":
            op = t.text
            if op == "(":
                return self.parenthesized()
            if op == "[":
                return self.bracketed()
            if op == "]":
                self.pos += 1
                return self.range_rest(t.start, False)
            if op == "{":
                return self.context()
            if op == "@":
                self.pos += 1
                st = self.tok
                if st.kind != "string":
                    raise self.error("expected a string after '@'")
                self.pos += 1
                try:
                    return ast.Literal(t.start, parse_temporal(str(st.value)))
                except FeelError as error:
                    raise FeelSyntaxError(str(error), self.text, st.start) from error
            if op in ("<", "<=", ">", ">=", "=", "!="):
                # DMN 1.5: a unary comparison is a range value (`< 10`).
                self.pos += 1
                return ast.UnaryTest(t.start, op, self.binary(4))
        if kind == "eof":
            raise self.error("unexpected end of expression, expected an expression")
        raise self.error("expected an expression")

    def parenthesized(self) -> ast.Node:
        start = self.expect_op("(").start
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested deeper than {MAX_DEPTH} levels")
        try:
            inner = self.expression()
        finally:
            self.depth -= 1
        if self.at_op(".."):
            self.pos += 1
            return self.range_end(start, inner, False)
        self.expect_op(")")
        return inner

    def bracketed(self) -> ast.Node:
        start = self.expect_op("[").start
        if self.at_op("]"):
            self.pos += 1
            return ast.ListLiteral(start, ())
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested deeper than {MAX_DEPTH} levels")
        try:
            first = self.expression()
            if self.at_op(".."):
                self.pos += 1
                return self.range_end(start, first, True)
            items = [first]
            while self.at_op(","):
                self.pos += 1
                items.append(self.expression())
        finally:
            self.depth -= 1
        self.expect_op("]")
        return ast.ListLiteral(start, tuple(items))

    def range_rest(self, start: int, start_included: bool) -> ast.Node:
        low = self.expression()
        self.expect_op("..")
        return self.range_end(start, low, start_included)

    def range_end(self, start: int, low: ast.Node, start_included: bool) -> ast.Node:
        """The end point and closing bracket; `[1..10[` must not read `10[...` as a filter."""
        save = self.pos
        try:
            return self.range_close(start, low, self.expression(), start_included)
        except FeelSyntaxError:
            self.pos = save
        previous = self.no_filter_depth
        self.no_filter_depth = self.depth + 1
        try:
            high = self.expression()
        finally:
            self.no_filter_depth = previous
        return self.range_close(start, low, high, start_included)

    def range_close(self, start: int, low: ast.Node, high: ast.Node, start_included: bool) -> ast.Node:
        t = self.tok
        if self.at_op("]"):
            self.pos += 1
            return ast.RangeLiteral(start, low, high, start_included, True)
        if self.at_op(")", "["):
            self.pos += 1
            return ast.RangeLiteral(start, low, high, start_included, False)
        raise self.error("expected ']', ')' or '[' to close the range", t)

    def context(self) -> ast.Node:
        start = self.expect_op("{").start
        entries: list[tuple[str, ast.Node]] = []
        if self.at_op("}"):
            self.pos += 1
            return ast.ContextLiteral(start, ())
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested deeper than {MAX_DEPTH} levels")
        keys: set[str] = set()  # a set: a generated context of 20,000 entries took 8 s with a list scan
        try:
            while True:
                key_token = self.tok
                if key_token.kind not in ("name", "string", "backtick"):
                    raise self.error("expected a context key")
                key = self.read_declared_name((":",))
                if key in keys:
                    raise FeelSyntaxError(f"duplicate context key {key!r}", self.text, key_token.start)
                self.expect_op(":")
                self.declare(key)
                keys.add(key)
                entries.append((key, self.expression()))
                if self.at_op(","):
                    self.pos += 1
                    continue
                self.expect_op("}")
                return ast.ContextLiteral(start, tuple(entries))
        finally:
            self.depth -= 1

    def function_definition(self) -> ast.Node:
        start = self.expect_word("function").start
        self.expect_op("(")
        params: list[tuple[str, ast.TypeRef | None]] = []
        if not self.at_op(")"):
            while True:
                name = self.read_declared_name((":", ",", ")"))
                type_ref = None
                if self.at_op(":"):
                    self.pos += 1
                    type_ref = self.type_ref()
                self.declare(name)
                params.append((name, type_ref))
                if self.at_op(","):
                    self.pos += 1
                    continue
                break
        self.expect_op(")")
        external = False
        if self.at_word("external"):
            self.pos += 1
            external = True
        body = self.expression()
        return ast.FunctionDefinition(start, tuple(params), body, external)


_TYPE_NAMES = (
    "date and time",
    "days and time duration",
    "years and months duration",
    "day-time-duration",
    "year-month-duration",
)
_TYPE_PREFIXES = frozenset(_normalize(n)[:k] for n in _TYPE_NAMES for k in range(1, len(n) + 1))


def parse_expression(text: str, names: Iterable[str] = ()) -> tuple[ast.Node, bool]:
    """Parse a FEEL expression; returns the tree and whether it uses ``?``."""
    parser = Parser(text, names)
    try:
        node = parser.parse_expression_text()
    except RecursionError:
        raise FeelSyntaxError("expression nested too deeply", text, parser.tok.start) from None
    return node, parser.uses_input


def parse_unary_tests_tree(text: str, names: Iterable[str] = ()) -> tuple[ast.UnaryTests, bool]:
    parser = Parser(text, names)
    try:
        node = parser.parse_unary_tests_text()
    except RecursionError:
        raise FeelSyntaxError("expression nested too deeply", text, parser.tok.start) from None
    return node, parser.uses_input
