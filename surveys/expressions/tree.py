"""The expression tree: nodes, the error type, tree walks and canonical text.

Nodes are frozen dataclasses; trees are hashable and compare structurally. Every node
carries the 0-based character ``position`` it was parsed from; positions take no part in
equality or hashing, so ``parse("1+2") == parse("1 + 2")``. Nodes built by hand get -1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "BINARY_OPERATORS",
    "FUNCTIONS",
    "Binary",
    "Call",
    "Current",
    "Expr",
    "ExpressionError",
    "Negate",
    "Number",
    "Ref",
    "String",
    "references",
    "to_text",
    "uses_current",
    "walk",
]

#: Binary operators and their precedence (higher binds tighter). All are left-associative.
BINARY_OPERATORS: Mapping[str, int] = {
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}

#: Known functions: name -> (least number of arguments, most or None for any number).
FUNCTIONS: Mapping[str, tuple[int, int | None]] = {
    "selected": (2, 2),
    "count-selected": (1, 1),
    "if": (3, 3),
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "boolean": (1, 1),
    "string": (1, 1),
    "number": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "string-length": (1, 1),
    "concat": (0, None),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "substr": (2, 3),
    "coalesce": (2, 2),
    "regex": (2, 2),
    "today": (0, 0),
    "date": (1, 1),
}

KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ExpressionError(ValueError):
    """An expression that cannot be used: bad syntax, unknown function or question, misplaced ``.``.

    ``message`` says what is wrong in plain English and where (``"unexpected ')' at position
    12"``), ``position`` is that 0-based character offset (None when there is none), ``where``
    names the place in a survey definition (set by :func:`check`, e.g. ``"question 'age',
    relevant"``) and ``hint`` suggests a fix. ``str()`` joins them: ``"question 'age',
    relevant: unknown question 'agee' at position 2 (did you mean 'age'?)"``.
    """

    def __init__(
        self,
        message: str,
        position: int | None = None,
        *,
        where: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def located(self, where: str) -> ExpressionError:
        """A copy of this error that names ``where`` (a place in a survey definition)."""
        return ExpressionError(self.message, self.position, where=where, hint=self.hint)


class Expr:
    """Base class of all expression nodes.

    Equality and hashing are structural (class and fields, positions aside) and walk the tree
    with a loop rather than recursion, so deep trees compare safely.
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expr):
            return NotImplemented
        pairs: list[tuple[Expr, Expr]] = [(self, other)]
        while pairs:
            left, right = pairs.pop()
            if left is right:
                continue
            if type(left) is not type(right) or _label(left) != _label(right):
                return False
            left_children, right_children = _children(left), _children(right)
            if len(left_children) != len(right_children):
                return False
            pairs.extend(zip(left_children, right_children, strict=True))
        return True

    def __hash__(self) -> int:
        return hash(tuple((type(node).__name__, _label(node)) for node in walk(self)))


@dataclass(frozen=True, slots=True, eq=False)
class Number(Expr):
    """A number literal (never negative: ``-1`` is ``Negate(Number(1.0))``)."""

    value: float
    position: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class String(Expr):
    """A string literal, without its quotes."""

    value: str
    position: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class Ref(Expr):
    """``${key}``: the answer to another question. ``position`` is that of the ``$``."""

    key: str
    position: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class Current(Expr):
    """``.``: the answer to the question the expression belongs to (in constraints)."""

    position: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class Negate(Expr):
    """Unary minus."""

    operand: Expr
    position: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class Binary(Expr):
    """``left op right`` where ``op`` is a key of :data:`BINARY_OPERATORS`."""

    op: str
    left: Expr
    right: Expr
    position: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True, slots=True, eq=False)
class Call(Expr):
    """A function call; ``name`` is a key of :data:`FUNCTIONS`."""

    name: str
    args: tuple[Expr, ...] = ()
    position: int = field(default=-1, compare=False, repr=False)


def _label(node: Expr) -> object:
    """What a node holds besides its children (positions excepted)."""
    kind = type(node)
    if kind is Binary:
        return (node.op, 2)
    if kind is Call:
        return (node.name, len(node.args))
    if kind is Ref:
        return node.key
    if kind is Number or kind is String:
        return node.value
    return None


def _children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Negate):
        return (node.operand,)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(tree: Expr) -> Iterator[Expr]:
    """Every node of ``tree``, parents before children, left to right (no recursion)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(_children(node)))


def references(tree: Expr) -> frozenset[str]:
    """The question keys that ``tree`` refers to with ``${key}``."""
    return frozenset(node.key for node in walk(tree) if isinstance(node, Ref))


def uses_current(tree: Expr) -> bool:
    """Whether ``tree`` uses ``.`` (the current question's own answer)."""
    return any(isinstance(node, Current) for node in walk(tree))


def to_text(tree: Expr) -> str:
    """Canonical expression text for ``tree``; ``parse(to_text(t)) == t``.

    Operators get single spaces, parentheses appear only where precedence needs them and
    strings take single quotes unless they contain one. Raises ``ValueError`` for a tree that
    no text can express (built by hand: a negative or non-finite number, a string with both
    kinds of quote, a malformed key, an unknown operator or function).
    """
    if not isinstance(tree, Expr):
        raise TypeError(f"expected an expression tree, got {type(tree).__name__}")
    return _text(tree)


def _text(node: Expr) -> str:
    kind = type(node)
    if kind is Binary:
        precedence = BINARY_OPERATORS.get(node.op)
        if precedence is None:
            raise ValueError(f"unknown operator {node.op!r}")
        left = _text(node.left)
        if type(node.left) is Binary and BINARY_OPERATORS.get(node.left.op, 0) < precedence:
            left = f"({left})"
        right = _text(node.right)
        if type(node.right) is Binary and BINARY_OPERATORS.get(node.right.op, 0) <= precedence:
            right = f"({right})"
        return f"{left} {node.op} {right}"
    if kind is Ref:
        if not isinstance(node.key, str) or not KEY_RE.fullmatch(node.key):
            raise ValueError(f"{node.key!r} is not a valid question key")
        return "${" + node.key + "}"
    if kind is String:
        return quote(node.value)
    if kind is Number:
        return format_literal(node.value)
    if kind is Call:
        if node.name not in FUNCTIONS:
            raise ValueError(f"unknown function {node.name!r}")
        return f"{node.name}({', '.join(_text(arg) for arg in node.args)})"
    if kind is Negate:
        operand = _text(node.operand)
        if type(node.operand) is Binary:
            operand = f"({operand})"
        return f"-{operand}"
    if kind is Current:
        return "."
    raise TypeError(f"not an expression node: {node!r}")


def quote(value: str) -> str:
    """``value`` as a string literal: single quotes unless it contains one."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise ValueError("a string literal cannot contain both ' and \" (the language has no escapes)")


def format_literal(value: float) -> str:
    """A non-negative finite number in positional notation that reads back as the same float."""
    number = float(value)
    if not math.isfinite(number) or math.copysign(1.0, number) < 0:
        raise ValueError(f"{value!r} cannot be written as a number literal")
    return format_number(number)


def format_number(number: float) -> str:
    """XPath ``string()`` of a number: ``3`` not ``3.0``, no exponent, ``NaN``, ``Infinity``."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number.is_integer():
        return str(int(number))
    text = repr(number)
    if "e" in text:
        text = format(Decimal(text), "f")
    return text
