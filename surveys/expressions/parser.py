"""Tokenizer and parser: expression text -> tree, with plain errors and positions.

Errors are in the language of the page that asks (the designer's; English outside a request).

Binary operators are parsed with an operator stack (no recursion per operator), so only
parentheses and function calls nest Python calls; both are limited (:data:`MAX_NESTING`), as
is the depth of the tree (:data:`MAX_DEPTH`), so that every later walk of a tree stays far
from Python's recursion limit.
"""

from __future__ import annotations

import functools
import math
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .safe_regex import pattern_problem
from .tree import (
    BINARY_OPERATORS,
    FUNCTIONS,
    Binary,
    Call,
    Current,
    Expr,
    ExpressionError,
    Negate,
    Number,
    Ref,
    String,
)

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "MAX_NESTING", "parse", "parse_cached"]

MAX_LENGTH = 10_000
MAX_NESTING = 50
MAX_DEPTH = 200

# Whitespace between tokens: what JavaScript's \s matches, so that a text parses the same in
# a browser (a no-break space pasted from a spreadsheet is whitespace, not an error).
_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:[-:][A-Za-z_][A-Za-z0-9_]*)*"
_TOKEN_RE = re.compile(
    rf"(?P<space>[{_SPACE}]+)"
    r"|(?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"|(?P<str>'[^']*'|\"[^\"]*\")"
    r"|(?P<ref>\$\{[A-Za-z_][A-Za-z0-9_]*\})"
    rf"|(?P<name>{_NAME})"
    r"|(?P<op>!=|<=|>=|[=<>+\-*(),.])"
)
_KEYWORD_OPERATORS = frozenset({"and", "or", "div", "mod"})
_REFER = _l("refer to a question with ${name}")
_STRAIGHT_QUOTES = _l("use straight quotes ' or \"")
_CHARACTER_HINTS = {
    "/": _l("divide with 'div'; refer to a question with ${name}"),
    "&": _l("use 'and'"),
    "|": _l("use 'or'"),
    "!": _l("write '!=' for 'not equal' or not(...) for negation"),
    "[": _REFER,
    "]": _REFER,
    "@": _REFER,
    "\u2018": _STRAIGHT_QUOTES,
    "\u2019": _STRAIGHT_QUOTES,
    "\u201c": _STRAIGHT_QUOTES,
    "\u201d": _STRAIGHT_QUOTES,
    "\u00ab": _STRAIGHT_QUOTES,
    "\u00bb": _STRAIGHT_QUOTES,
}

# A token: (kind, source text, position). Kinds: num, str, ref, name, op, end.
_Token = tuple[str, str, int]


def parse(text: str) -> Expr:
    """Parse expression ``text`` into a tree.

    Raises :class:`ExpressionError` (with the 0-based ``position`` of the problem) for bad
    syntax, an unknown function or a wrong number of arguments, a ``regex()`` pattern that is
    invalid or unsafe, and texts too long or too deeply nested. Raises ``TypeError`` if
    ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected expression text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise _error(_("the expression is longer than %(num)d characters", num=MAX_LENGTH), 0)
    parser = _Parser(_tokenize(text))
    if parser.tokens[0][0] == "end":
        raise _error(_("expected an expression, found nothing"), 0)
    tree, _depth = parser.expression(0)
    token = parser.tokens[parser.index]
    if token[0] != "end":
        raise _unexpected(token, _("expected an operator such as 'and', 'or', '=' or '+'"))
    return tree


@functools.lru_cache(maxsize=4096)
def parse_cached(text: str) -> Expr:
    """:func:`parse` with a cache keyed on the text (trees are immutable, so safe to share)."""
    return parse(text)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    match_at = _TOKEN_RE.match
    position, length = 0, len(text)
    while position < length:
        match = match_at(text, position)
        if match is None:
            raise _bad_character(text, position)
        kind = match.lastgroup
        if kind != "space":
            tokens.append((kind, match.group(), position))  # type: ignore[arg-type]
        position = match.end()
    tokens.append(("end", "", length))
    return tokens


def _bad_character(text: str, position: int) -> ExpressionError:
    char = text[position]
    if char in "'\"":
        return ExpressionError(_("unterminated string starting at position %(position)d",
                                 position=position), position)
    if char == "$":
        if not text.startswith("${", position):
            return _error(_("'$' not followed by '{'"), position,
                          _("write a reference as ${name}"))
        close = text.find("}", position + 2)
        if close == -1:
            return ExpressionError(
                _("unterminated reference starting at position %(position)d",
                  position=position), position,
                hint=_("close it with '}'"),
            )
        name = text[position + 2 : close]
        if not name:
            return _error(_("empty reference '${}'"), position)
        shown = name if len(name) <= 40 else name[:37] + "..."
        return _error(
            _("%(name)s is not a valid question name", name=repr(shown)), position + 2,
            _("names use letters, digits and '_' and do not start with a digit"),
        )
    hint = _CHARACTER_HINTS.get(char)
    return _error(
        _("unexpected character %(character)s", character=_show_character(char)), position,
        str(hint) if hint is not None else None,
    )


def _show_character(char: str) -> str:
    return f"'{char}'" if char.isprintable() else f"U+{ord(char):04X}"


def _describe(token: _Token) -> str:
    kind, source, _position = token
    if kind == "end":
        return _("end of the expression")
    if len(source) > 30:
        source = source[:27] + "..."
    if kind == "num":
        return _("number %(text)s", text=source)
    if kind == "str":
        return _("string %(text)s", text=source)
    if kind == "ref":
        return _("reference %(text)s", text=source)
    return f"'{source}'"


def _error(message: str, position: int, hint: str | None = None) -> ExpressionError:
    return ExpressionError(_("%(problem)s at position %(position)d", problem=message,
                             position=position), position, hint=hint)


def _unexpected(token: _Token, hint: str | None = None) -> ExpressionError:
    return _error(_("unexpected %(token)s", token=_describe(token)), token[2], hint)


def _binary_operator(token: _Token) -> str | None:
    kind, source, _position = token
    if kind == "op" and source in BINARY_OPERATORS:
        return source
    if kind == "name" and source in _KEYWORD_OPERATORS:
        return source
    return None


def _too_deep(position: int) -> ExpressionError:
    return _error(_("the expression is nested more than %(num)d levels deep", num=MAX_DEPTH),
                  position)


class _Parser:
    __slots__ = ("tokens", "index")

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def expression(self, nesting: int, after: _Token | None = None) -> tuple[Expr, int]:
        """A full expression (all binary operators), as (tree, depth)."""
        tokens = self.tokens
        operands = [self.operand(nesting, after)]
        operators: list[tuple[str, int, int]] = []  # (operator, precedence, position)
        while True:
            token = tokens[self.index]
            operator = _binary_operator(token)
            if operator is None:
                break
            precedence = BINARY_OPERATORS[operator]
            while operators and operators[-1][1] >= precedence:
                _reduce(operands, operators)
            operators.append((operator, precedence, token[2]))
            self.index += 1
            operands.append(self.operand(nesting, token))
        while operators:
            _reduce(operands, operators)
        return operands[0]

    def operand(self, nesting: int, after: _Token | None) -> tuple[Expr, int]:
        """A number, string, reference, ``.``, parenthesised expression or call, with any
        unary minus signs before it."""
        tokens = self.tokens
        token = tokens[self.index]
        signs: list[int] = []
        while token[0] == "op" and token[1] == "-":
            signs.append(token[2])
            after = token
            self.index += 1
            token = tokens[self.index]
        kind, source, position = token
        node: Expr
        if kind == "ref":
            self.index += 1
            node, depth = Ref(source[2:-1], position), 1
        elif kind == "num":
            value = float(source)
            if math.isinf(value):
                raise _error(_("number %(text)s is too large", text=source[:20]), position)
            self.index += 1
            node, depth = Number(value, position), 1
        elif kind == "str":
            self.index += 1
            node, depth = String(source[1:-1], position), 1
        elif kind == "op" and source == ".":
            self.index += 1
            node, depth = Current(position), 1
        elif kind == "op" and source == "(":
            node, depth = self.parenthesised(nesting, token)
        elif kind == "name" and tokens[self.index + 1][1] == "(" and source in FUNCTIONS:
            node, depth = self.call(nesting, token)
        else:
            raise self.missing_operand(token, after)
        depth += len(signs)
        if depth > MAX_DEPTH:
            raise _too_deep(signs[0] if signs else position)
        for sign in reversed(signs):
            node = Negate(node, sign)
        return node, depth

    def parenthesised(self, nesting: int, opening: _Token) -> tuple[Expr, int]:
        if nesting >= MAX_NESTING:
            raise _error(_("more than %(num)d nested parentheses", num=MAX_NESTING),
                         opening[2])
        self.index += 1
        result = self.expression(nesting + 1, opening)
        self.expect_closing(opening)
        return result

    def call(self, nesting: int, name_token: _Token) -> tuple[Expr, int]:
        name, position = name_token[1], name_token[2]
        opening = self.tokens[self.index + 1]
        if nesting >= MAX_NESTING:
            raise _error(_("more than %(num)d nested parentheses", num=MAX_NESTING),
                         opening[2])
        self.index += 2
        args: list[Expr] = []
        depth = 0
        if self.tokens[self.index][1] != ")":
            after = opening
            while True:
                arg, arg_depth = self.expression(nesting + 1, after)
                args.append(arg)
                depth = max(depth, arg_depth)
                token = self.tokens[self.index]
                if token[0] == "op" and token[1] == ",":
                    after = token
                    self.index += 1
                    continue
                break
        self.expect_closing(opening)
        least, most = FUNCTIONS[name]
        if len(args) < least or (most is not None and len(args) > most):
            raise _error(_arity(name, least, most, len(args)), position)
        if name == "regex" and isinstance(args[1], String):
            problem = pattern_problem(args[1].value)
            if problem is not None:
                raise _error(
                    _("unsafe or invalid regex() pattern"), args[1].position, problem
                )
        if depth + 1 > MAX_DEPTH:
            raise _too_deep(position)
        return Call(name, tuple(args), position), depth + 1

    def expect_closing(self, opening: _Token) -> None:
        token = self.tokens[self.index]
        if token[0] == "op" and token[1] == ")":
            self.index += 1
            return
        if token[0] == "end":
            raise _error(_("missing ')' for the '('"), opening[2])
        raise _unexpected(token, _("expected ')' or an operator"))

    def missing_operand(self, token: _Token, after: _Token | None) -> ExpressionError:
        kind, source, position = token
        if kind == "name" and source not in _KEYWORD_OPERATORS:
            if self.tokens[self.index + 1][1] == "(":
                return _error(_("unknown function '%(name)s'", name=source), position)
            if source in FUNCTIONS:
                call = source + ("()" if FUNCTIONS[source][1] == 0 else "(...)")
                return _error(
                    _("function '%(name)s' without parentheses", name=source), position,
                    _("write %(call)s", call=call),
                )
            reference = "${" + source + "}"
            return _error(
                _("unexpected name '%(name)s'", name=source), position,
                _("refer to a question with %(reference)s", reference=reference)
                if _is_key(source) else None,
            )
        if after is None:
            return _unexpected(token)
        if kind == "end":
            return _error(_("expected an expression after '%(operator)s'", operator=after[1]),
                          position)
        return _error(
            _("expected an expression after '%(operator)s', found %(token)s",
              operator=after[1], token=_describe(token)), position
        )


def _reduce(operands: list[tuple[Expr, int]], operators: list[tuple[str, int, int]]) -> None:
    operator, _precedence, position = operators.pop()
    right, right_depth = operands.pop()
    left, left_depth = operands.pop()
    depth = max(left_depth, right_depth) + 1
    if depth > MAX_DEPTH:
        raise _too_deep(position)
    operands.append((Binary(operator, left, right, position), depth))


def _arity(name: str, least: int, most: int | None, given: int) -> str:
    """E.g. ``"round() takes 1 to 2 arguments, not 3,"`` (the position follows)."""
    if most is None:
        return ngettext("%(function)s() takes at least %(num)d argument, not %(given)d,",
                        "%(function)s() takes at least %(num)d arguments, not %(given)d,",
                        least, function=name, given=given)
    if least == most:
        return ngettext("%(function)s() takes %(num)d argument, not %(given)d,",
                        "%(function)s() takes %(num)d arguments, not %(given)d,",
                        least, function=name, given=given)
    return ngettext("%(function)s() takes %(least)d to %(num)d argument, not %(given)d,",
                    "%(function)s() takes %(least)d to %(num)d arguments, not %(given)d,",
                    most, function=name, least=least, given=given)


def _is_key(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None
