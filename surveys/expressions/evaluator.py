"""Evaluation of expression trees against a response's answers."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, DecimalException
from typing import Any

from . import safe_regex
from .parser import parse_cached
from .tree import Binary, Call, Current, Expr, Negate, Number, Ref, String
from .values import (
    NAN,
    Value,
    comparable,
    date_from_days,
    equals,
    from_answer,
    parse_date,
    to_boolean,
    to_number,
    to_string,
)

__all__ = ["evaluate", "evaluate_bool"]


class _Env:
    """What an evaluation reads: the answers, the current answer and today's date."""

    __slots__ = ("values", "current", "_today")

    def __init__(self, values: Mapping[str, Any], current: Any, today: date | None) -> None:
        self.values = values
        self.current = current
        self._today = today

    @property
    def today(self) -> date:
        if self._today is None:
            self._today = date.today()
        return self._today


def evaluate(
    expr_or_tree: str | Expr,
    values: Mapping[str, Any],
    current: Any = None,
    *,
    today: date | None = None,
) -> Value:
    """The value of an expression: a ``str``, ``float``, ``bool`` or ``datetime.date``.

    ``values`` maps question keys to answers (a key that is absent is unanswered), ``current``
    is the answer that ``.`` stands for and ``today`` what ``today()`` returns (the server's
    local date by default). Text is parsed with :func:`parse_cached`. Odd data never raises
    (see the package documentation for the coercions); this raises only
    :class:`ExpressionError` for text that does not parse and ``TypeError`` for something
    that is neither text nor a tree.
    """
    tree = parse_cached(expr_or_tree) if isinstance(expr_or_tree, str) else expr_or_tree
    if not isinstance(tree, Expr):
        raise TypeError(f"expected expression text or a tree, got {type(tree).__name__}")
    return _EVALUATE[type(tree)](tree, _Env(values, from_answer(current), today))


def evaluate_bool(
    expr_or_tree: str | Expr,
    values: Mapping[str, Any],
    current: Any = None,
    *,
    today: date | None = None,
) -> bool:
    """:func:`evaluate` converted with XPath ``boolean()``, for relevance and constraints."""
    return to_boolean(evaluate(expr_or_tree, values, current, today=today))


# Each evaluator looks its children's evaluator up itself (rather than through a helper), so
# a level of the tree costs one Python frame.


def _number(node: Number, env: _Env) -> Value:
    return float(node.value)


def _string(node: String, env: _Env) -> Value:
    return node.value


def _ref(node: Ref, env: _Env) -> Value:
    return from_answer(env.values.get(node.key))


def _current(node: Current, env: _Env) -> Value:
    return env.current


def _negate(node: Negate, env: _Env) -> Value:
    operand = node.operand
    return -to_number(_EVALUATE[type(operand)](operand, env))


def _binary(node: Binary, env: _Env) -> Value:
    op, left, right = node.op, node.left, node.right
    a = _EVALUATE[type(left)](left, env)
    if op == "and":
        return to_boolean(a) and to_boolean(_EVALUATE[type(right)](right, env))
    if op == "or":
        return to_boolean(a) or to_boolean(_EVALUATE[type(right)](right, env))
    b = _EVALUATE[type(right)](right, env)
    if op == "=":
        return equals(a, b)
    if op == "!=":
        return not equals(a, b)
    if op in _RELATIONAL:
        return _RELATIONAL[op](comparable(a), comparable(b))
    return _ARITHMETIC[op](to_number(a), to_number(b))


def _divide(a: float, b: float) -> float:
    # As XPath and ODK: x div 0 is +-Infinity, 0 div 0 (and NaN div 0) is NaN, so an exported
    # form behaves the same in ODK Collect as here.
    if b != 0.0:
        return a / b
    if a == 0.0 or math.isnan(a):
        return NAN
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _modulo(a: float, b: float) -> float:
    # Like XPath (and C's fmod): the result takes the sign of the dividend; 5 mod -2 = 1.
    if b == 0.0 or not math.isfinite(a) or math.isnan(b):
        return NAN
    return math.fmod(a, b)


_RELATIONAL: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "div": _divide,
    "mod": _modulo,
}


def _call(node: Call, env: _Env) -> Value:
    return _FUNCTIONS[node.name](node.args, env)


def _arg(args: Sequence[Expr], index: int, env: _Env) -> Value:
    node = args[index]
    return _EVALUATE[type(node)](node, env)


def _fn_if(args: Sequence[Expr], env: _Env) -> Value:
    return _arg(args, 1 if to_boolean(_arg(args, 0, env)) else 2, env)


def _fn_coalesce(args: Sequence[Expr], env: _Env) -> Value:
    first = _arg(args, 0, env)
    return first if to_string(first) != "" else _arg(args, 1, env)


def _fn_selected(args: Sequence[Expr], env: _Env) -> Value:
    choices = to_string(_arg(args, 0, env)).split()
    return to_string(_arg(args, 1, env)).strip() in choices


def _fn_count_selected(args: Sequence[Expr], env: _Env) -> Value:
    return float(len(to_string(_arg(args, 0, env)).split()))


def _fn_int(args: Sequence[Expr], env: _Env) -> Value:
    number = to_number(_arg(args, 0, env))
    return float(math.trunc(number)) if math.isfinite(number) else number


_ROUNDING = Context(prec=1000, rounding=ROUND_HALF_UP)


def _fn_round(args: Sequence[Expr], env: _Env) -> Value:
    number = to_number(_arg(args, 0, env))
    digits = to_number(_arg(args, 1, env)) if len(args) > 1 else 0.0
    if math.isnan(digits):
        return NAN
    if not math.isfinite(number):
        return number
    places = int(max(-400.0, min(400.0, digits)))
    try:
        exponent = Decimal(1).scaleb(-places)
        rounded = Decimal(repr(number)).quantize(exponent, context=_ROUNDING)
    except DecimalException:
        return number
    return float(rounded)


def _fn_substr(args: Sequence[Expr], env: _Env) -> Value:
    text = to_string(_arg(args, 0, env))
    start = _index(to_number(_arg(args, 1, env)), len(text))
    end = _index(to_number(_arg(args, 2, env)), len(text)) if len(args) > 2 else len(text)
    return text[start:end]


def _index(number: float, length: int) -> int:
    if math.isnan(number):
        return 0
    return int(max(0.0, min(float(length), number)))


def _fn_regex(args: Sequence[Expr], env: _Env) -> Value:
    text = to_string(_arg(args, 0, env))
    return safe_regex.matches(text, to_string(_arg(args, 1, env)))


def _fn_today(args: Sequence[Expr], env: _Env) -> Value:
    return env.today


def _fn_date(args: Sequence[Expr], env: _Env) -> Value:
    value = _arg(args, 0, env)
    if isinstance(value, date):
        return value
    if type(value) is float:
        moment = date_from_days(value)
    elif type(value) is str:
        moment = parse_date(value)
        if moment is None:
            number = to_number(value)
            moment = date_from_days(number) if number == number else None
    else:
        moment = None
    return "" if moment is None else moment


def _fn_concat(args: Sequence[Expr], env: _Env) -> Value:
    return "".join(to_string(_arg(args, i, env)) for i in range(len(args)))


def _unary(function: Callable[[Value], Value]) -> Callable[[Sequence[Expr], _Env], Value]:
    def apply(args: Sequence[Expr], env: _Env) -> Value:
        return function(_arg(args, 0, env))

    return apply


def _strings(function: Callable[[str, str], bool]) -> Callable[[Sequence[Expr], _Env], Value]:
    def apply(args: Sequence[Expr], env: _Env) -> Value:
        return function(to_string(_arg(args, 0, env)), to_string(_arg(args, 1, env)))

    return apply


_FUNCTIONS: dict[str, Callable[[Sequence[Expr], _Env], Value]] = {
    "selected": _fn_selected,
    "count-selected": _fn_count_selected,
    "if": _fn_if,
    "not": _unary(lambda value: not to_boolean(value)),
    "true": lambda args, env: True,
    "false": lambda args, env: False,
    "boolean": _unary(to_boolean),
    "string": _unary(to_string),
    "number": _unary(to_number),
    "int": _fn_int,
    "round": _fn_round,
    "string-length": _unary(lambda value: float(len(to_string(value)))),
    "concat": _fn_concat,
    "contains": _strings(lambda text, part: part in text),
    "starts-with": _strings(lambda text, part: text.startswith(part)),
    "ends-with": _strings(lambda text, part: text.endswith(part)),
    "substr": _fn_substr,
    "coalesce": _fn_coalesce,
    "regex": _fn_regex,
    "today": _fn_today,
    "date": _fn_date,
}

_EVALUATE: dict[type, Callable[[Any, _Env], Value]] = {
    Number: _number,
    String: _string,
    Ref: _ref,
    Current: _current,
    Negate: _negate,
    Binary: _binary,
    Call: _call,
}
