"""The survey expression language: syntax, semantics, errors, design-time checks."""

from __future__ import annotations

import ast
import math
import pathlib
import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest

from surveys import expressions
from surveys.expressions import (
    FUNCTIONS,
    MAX_DEPTH,
    Binary,
    Call,
    Current,
    ExpressionError,
    Negate,
    Number,
    Options,
    Ref,
    String,
    check,
    evaluate,
    evaluate_bool,
    find_cycle,
    from_answer,
    parse,
    parse_cached,
    references,
    safe_regex,
    to_boolean,
    to_number,
    to_string,
    to_text,
    uses_current,
)
from surveys.expressions.tree import quote

TODAY = date(2024, 3, 15)


def ev(text: str, current=None, **values):
    return evaluate(text, values, current, today=TODAY)


def ev_bool(text: str, current=None, **values) -> bool:
    return evaluate_bool(text, values, current, today=TODAY)


def is_nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def b(op, left, right):
    return Binary(op, left, right)


N, S, R = Number, String, Ref


# --- parsing: trees and precedence --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("3", N(3)),
        ("2.5", N(2.5)),
        (".5", N(0.5)),
        ("1.", N(1)),
        ("007", N(7)),
        ("-1", Negate(N(1))),
        ("--1", Negate(Negate(N(1)))),
        ("'yes'", S("yes")),
        ('"it\'s"', S("it's")),
        ("''", S("")),
        ("${age}", R("age")),
        ("${_x1}", R("_x1")),
        (".", Current()),
        ("1 + 2 * 3", b("+", N(1), b("*", N(2), N(3)))),
        ("(1 + 2) * 3", b("*", b("+", N(1), N(2)), N(3))),
        ("1 - 2 - 3", b("-", b("-", N(1), N(2)), N(3))),
        ("1 - (2 - 3)", b("-", N(1), b("-", N(2), N(3)))),
        ("8 div 4 div 2", b("div", b("div", N(8), N(4)), N(2))),
        ("7 mod 4 * 2", b("*", b("mod", N(7), N(4)), N(2))),
        ("-2 * 3", b("*", Negate(N(2)), N(3))),
        ("- ${a} div 2", b("div", Negate(R("a")), N(2))),
        ("1 < 2 = 3 > 4", b("=", b("<", N(1), N(2)), b(">", N(3), N(4)))),
        ("1 + 1 >= 2", b(">=", b("+", N(1), N(1)), N(2))),
        ("${a} = 1 or ${b} = 2 and ${c} = 3",
         b("or", b("=", R("a"), N(1)), b("and", b("=", R("b"), N(2)), b("=", R("c"), N(3))))),
        ("(${a} = 1 or ${b} = 2) and ${c} = 3",
         b("and", b("or", b("=", R("a"), N(1)), b("=", R("b"), N(2))), b("=", R("c"), N(3)))),
        ("${a} != 1 and ${a} <= 2",
         b("and", b("!=", R("a"), N(1)), b("<=", R("a"), N(2)))),
        ("not(${q1} = 'no')", Call("not", (b("=", R("q1"), S("no")),))),
        ("selected(${s}, 'x')", Call("selected", (R("s"), S("x")))),
        ("count-selected(${s})", Call("count-selected", (R("s"),))),
        ("true()", Call("true")),
        ("concat()", Call("concat")),
        ("if(. > 0, 'pos', 'neg')", Call("if", (b(">", Current(), N(0)), S("pos"), S("neg")))),
        ("not (${a})", Call("not", (R("a"),))),
        ("${a}and${b}", b("and", R("a"), R("b"))),
        ("1mod 2", b("mod", N(1), N(2))),
    ],
)
def test_parse_builds_the_tree(text, tree):
    assert parse(text) == tree


def test_whitespace_includes_tabs_newlines_and_no_break_spaces():
    assert parse("${a}\u00a0=\t'x'\n") == b("=", R("a"), S("x"))


def test_precedence_levels_from_loosest_to_tightest():
    # or < and < equality < relational < additive < multiplicative < unary minus
    assert ev("1 or 0 and 0") is True
    assert ev("0 and 1 = 1") is False
    assert ev("1 = 1 < 2") is True  # (1 = (1 < 2)) -> 1 = true -> true
    assert ev("2 < 1 + 2") is True
    assert ev("1 + 2 * 3") == 7.0
    assert ev("10 - 4 div 2") == 8.0
    assert ev("-2 * -3") == 6.0
    assert ev("2 * 3 mod 4") == 2.0
    assert ev("1 - 1 - 1") == -1.0


def test_positions_are_recorded_but_not_compared():
    tree = parse("  ${a} + .")
    assert tree.position == 7
    assert tree.left.position == 2
    assert tree.right.position == 9
    assert parse("1+2") == parse("1 +   2")
    assert hash(parse("1+2")) == hash(parse("(1 + 2)"))


def test_trees_are_frozen_and_hashable():
    tree = parse("${a} = 1")
    with pytest.raises(AttributeError):
        tree.op = "!="  # type: ignore[misc]
    assert {tree, parse("${a}=1")} == {tree}
    assert parse("1") != parse("'1'")
    assert Number(1) == Number(1.0)


def test_parse_cached_returns_the_same_tree_object():
    assert parse_cached("${x} + 1") is parse_cached("${x} + 1")


def test_parse_rejects_non_text():
    with pytest.raises(TypeError):
        parse(None)  # type: ignore[arg-type]


# --- references and current ---------------------------------------------------------------


def test_references_and_uses_current():
    tree = parse("selected(${s}, 'x') and ${age} > 3 and ${age} < . + ${k}")
    assert references(tree) == frozenset({"s", "age", "k"})
    assert uses_current(tree)
    assert not uses_current(parse("${a} = 1"))
    assert references(parse("1 + 2")) == frozenset()


# --- operators -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2", 3.0),
        ("5 - 7", -2.0),
        ("6 * 7", 42.0),
        ("7 div 2", 3.5),
        ("7 mod 3", 1.0),
        ("-7 mod 3", -1.0),
        ("7 mod -3", 1.0),
        ("7.5 mod 2", 1.5),
        ("-(2 + 3)", -5.0),
        ("0.1 + 0.2", 0.30000000000000004),
        ("1 = 1", True),
        ("1 != 1", False),
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 2", True),
        ("2 >= 3", False),
        ("'a' = 'a'", True),
        ("'a' != 'b'", True),
        ("1 and 0", False),
        ("1 or 0", True),
        ("0 or ''", False),
    ],
)
def test_operators(text, expected):
    result = ev(text)
    assert result == expected
    assert type(result) is type(expected)


def test_division_by_zero_follows_xpath_and_odk():
    assert ev("1 div 0") == math.inf
    assert ev("-1 div 0") == -math.inf
    assert is_nan(ev("0 div 0"))
    assert is_nan(ev("5 mod 0"))
    # Same answer as ODK Collect gives for an exported form.
    assert ev_bool("${income} div ${household} > 100", income=1000, household=0) is True
    assert ev_bool("${income} div ${household} != 100", income=1000, household=0) is True


def test_arithmetic_never_raises_on_extremes():
    huge = "9" * 300
    assert ev(f"{huge} * {huge}") == math.inf
    assert is_nan(ev(f"{huge} * {huge} - {huge} * {huge}"))
    assert is_nan(ev(f"{huge} * {huge} mod 2"))
    assert ev(f"2 mod ({huge} * {huge})") == 2.0


def test_and_or_short_circuit():
    # the right side would be a refused pattern from an answer: never evaluated
    assert ev("0 and regex('x', ${p})", p="(a+)+") is False
    assert ev("1 or regex('x', ${p})", p="(a+)+") is True


# --- functions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("if(1 = 1, 'a', 'b')", "a"),
        ("if(1 = 2, 'a', 'b')", "b"),
        ("if('', 1, 2)", 2.0),
        ("not(1 = 2)", True),
        ("not('')", True),
        ("true()", True),
        ("false()", False),
        ("boolean('false')", True),
        ("boolean(0)", False),
        ("string(3)", "3"),
        ("string(2.5)", "2.5"),
        ("string(1 div 3)", "0.3333333333333333"),
        ("string(1 = 1)", "true"),
        ("string(0 div 0)", "NaN"),
        ("number('12')", 12.0),
        ("number(' -2.5 ')", -2.5),
        ("number('1e3')", math.nan),
        ("number('abc')", math.nan),
        ("number(true())", 1.0),
        ("int(2.7)", 2.0),
        ("int(-2.7)", -2.0),
        ("int('x')", math.nan),
        ("round(2.5)", 3.0),
        ("round(-2.5)", -3.0),
        ("round(2.4)", 2.0),
        ("round(3.14159, 2)", 3.14),
        ("round(1.005, 2)", 1.01),
        ("round(1234.5, -2)", 1200.0),
        ("round(2.5, 'x')", math.nan),
        ("string-length('abc')", 3.0),
        ("string-length('')", 0.0),
        ("string-length('Київ')", 4.0),
        ("concat('a', 1, 'b', 2.5, true())", "a1b2.5true"),
        ("concat('only')", "only"),
        ("concat()", ""),
        ("contains('shelter', 'elt')", True),
        ("starts-with('shelter', 'she')", True),
        ("ends-with('shelter', 'ter')", True),
        ("ends-with('shelter', 'she')", False),
        ("substr('abcdef', 2)", "cdef"),
        ("substr('abcdef', 1, 3)", "bc"),
        ("substr('abc', -5, 50)", "abc"),
        ("coalesce('', 'b')", "b"),
        ("coalesce('a', 'b')", "a"),
        ("coalesce(0, 'b')", 0.0),
        ("regex('0501234567', '^[0-9]{10}$')", True),
        ("regex('050123456', '^[0-9]{10}$')", False),
        ("regex('abc1', '[0-9]+')", True),  # anywhere in the text, as in ODK
        ("regex('abc1', '^[0-9]+$')", False),
        ("regex('123', '[0-9]+')", True),
        ("today()", TODAY),
        ("date('2024-02-29')", date(2024, 2, 29)),
        ("date('2023-02-29')", ""),
        ("date('soon')", ""),
        ("date(0)", date(1970, 1, 1)),
        ("date(19797)", date(2024, 3, 15)),
    ],
)
def test_functions(text, expected):
    result = ev(text)
    if is_nan(expected):
        assert is_nan(result)
    else:
        assert result == expected
        assert type(result) is type(expected)


def test_every_function_is_covered_by_the_evaluator():
    from surveys.expressions.evaluator import _FUNCTIONS

    assert set(_FUNCTIONS) == set(FUNCTIONS)


def test_coalesce_with_unanswered_and_answered_values():
    assert ev("coalesce(${nick}, ${name})", name="Olena") == "Olena"
    assert ev("coalesce(${nick}, ${name})", nick="Lena", name="Olena") == "Lena"


def test_if_picks_a_branch_with_answers():
    text = "if(${age} >= 18, 'adult', if(${age} >= 14, 'teen', 'child'))"
    assert ev(text, age=30) == "adult"
    assert ev(text, age="15") == "teen"
    assert ev(text, age=3) == "child"
    assert ev(text) == "child"  # unanswered: NaN comparisons are false


# --- coercions (ODK-like) ------------------------------------------------------------------


def test_unanswered_is_empty_string_and_nan():
    assert ev_bool("${q} = ''") is True
    assert ev_bool("${q} = ''", q=None) is True
    assert ev_bool("${q} = ''", q="x") is False
    assert ev_bool("${q} = ''", q=0) is False
    assert ev_bool("${q} != ''", q=0) is True
    assert ev_bool("${age} > 18") is False
    assert ev_bool("${age} <= 18") is False
    assert ev_bool("${age} = 18") is False
    assert ev_bool("${age} != 18") is True
    assert is_nan(ev("${age} + 1"))
    assert ev("string-length(${name})") == 0.0
    assert ev("${q}") == ""
    assert ev_bool("${q}") is False


def test_numbers_and_numeric_strings_compare_numerically():
    assert ev_bool("${age} = 18", age="18") is True
    assert ev_bool("${age} = '18'", age=18) is True
    assert ev_bool("${age} = '18.0'", age=18) is True
    assert ev_bool("${age} >= 18", age="20") is True
    assert ev_bool("${age} > 9", age="10") is True  # not "10" < "9" as strings
    assert ev_bool("${a} < ${b}", a="9", b="10") is True  # relational: always numbers
    assert ev_bool("${age} = 'abc'", age=18) is False
    assert ev_bool("${age} != 'abc'", age=18) is True
    # two strings compare as strings under =
    assert ev_bool("${a} = '05'", a="5") is False
    assert ev_bool("${a} = '05'", a=5) is True


def test_nan_comparisons_are_false_except_not_equal():
    for op in ("=", "<", "<=", ">", ">="):
        assert ev_bool(f"number('x') {op} 1") is False
        assert ev_bool(f"0 div 0 {op} 0 div 0") is False
    assert ev_bool("number('x') != 1") is True
    assert ev_bool("0 div 0 != 0 div 0") is True


def test_non_numeric_strings_are_not_ordered():
    assert ev_bool("'a' < 'b'") is False
    assert ev_bool("'b' > 'a'") is False


def test_booleans_compare_as_booleans():
    assert ev_bool("(1 = 1) = true()") is True
    assert ev_bool("(1 = 1) = 'false'") is True  # non-empty string is true (XPath)
    assert ev_bool("(1 = 2) = 0") is True
    assert ev_bool("true() > false()") is True


def test_truthiness():
    assert to_boolean("x") is True
    assert to_boolean("") is False
    assert to_boolean("false") is True
    assert to_boolean(0.0) is False
    assert to_boolean(-0.5) is True
    assert to_boolean(math.nan) is False
    assert to_boolean(TODAY) is True
    for text, expected in [("${a}", True), ("${b}", False), ("${c}", False), ("${d}", True)]:
        assert ev_bool(text, a="x", b="", c=0, d=2) is expected


def test_yes_no_answers_may_be_booleans():
    assert ev_bool("${consent} = 'yes'", consent=True) is True
    assert ev_bool("${consent} = 'no'", consent=True) is False
    assert ev_bool("${consent} = 'no'", consent=False) is True
    assert ev_bool("${consent} = 'yes'", consent="yes") is True
    assert ev_bool("${consent} != 'yes'") is True


def test_answer_types_are_normalised():
    assert from_answer(None) == ""
    assert from_answer(3) == 3.0 and type(from_answer(3)) is float
    assert from_answer(Decimal("2.50")) == 2.5
    assert is_nan(from_answer(Decimal("NaN")))
    assert is_nan(from_answer(Decimal("sNaN")))
    assert from_answer(Fraction(1, 4)) == 0.25
    assert from_answer(10**400) == math.inf
    assert from_answer(-(10**400)) == -math.inf
    assert from_answer(["a", "b"]) == "a b"
    assert from_answer(("a", 2)) == "a 2"
    assert from_answer({"b", "a"}) == "a b"
    assert from_answer(time(9, 30)) == "09:30:00"
    assert from_answer(TODAY) == TODAY
    assert ev("${n} * 2", n=Decimal("1.25")) == 2.5


def test_numpy_scalars_are_numbers():
    numpy = pytest.importorskip("numpy")
    assert ev("${n} + 1", n=numpy.int64(41)) == 42.0
    assert ev("${n} + 1", n=numpy.float32(0.5)) == 1.5


def test_to_string_and_to_number():
    assert to_string(3.0) == "3"
    assert to_string(-0.0) == "0"
    assert to_string(1e21) == "1000000000000000000000"
    assert to_string(1.5e-7) == "0.00000015"
    assert to_string(math.inf) == "Infinity"
    assert to_string(-math.inf) == "-Infinity"
    assert to_string(True) == "true"
    assert to_string(TODAY) == "2024-03-15"
    assert to_number("  42 ") == 42.0
    assert to_number("4 2") != to_number("4 2")  # NaN
    assert is_nan(to_number("٣"))  # only ASCII digits
    assert is_nan(to_number("inf"))
    assert to_number(date(1970, 1, 11)) == 10.0


# --- select_multiple -----------------------------------------------------------------------


@pytest.mark.parametrize("services", [["shelter", "legal"], "shelter legal", " shelter  legal "])
def test_selected_and_count_selected_accept_lists_and_space_separated_text(services):
    assert ev_bool("selected(${services}, 'shelter')", services=services) is True
    assert ev_bool("selected(${services}, 'legal')", services=services) is True
    assert ev_bool("selected(${services}, 'medical')", services=services) is False
    assert ev_bool("selected(${services}, 'shel')", services=services) is False
    assert ev("count-selected(${services})", services=services) == 2.0


def test_selected_on_unanswered_and_single_values():
    assert ev_bool("selected(${s}, 'x')") is False
    assert ev("count-selected(${s})") == 0.0
    assert ev("count-selected(${s})", s=[]) == 0.0
    assert ev_bool("selected(${s}, 'x')", s="x") is True
    assert ev_bool("selected(${s}, 1)", s=[1, 2]) is True
    assert ev_bool("selected(${s}, ' x ')", s=["x"]) is True
    assert ev_bool("selected(., 'b')", current=["a", "b"]) is True


def test_selected_or_count_selected():
    text = "selected(${services}, 'shelter') or count-selected(${services}) > 2"
    assert ev_bool(text, services=["shelter"]) is True
    assert ev_bool(text, services=["a", "b", "c"]) is True
    assert ev_bool(text, services=["a", "b"]) is False


def test_multiple_select_in_string_context_is_space_separated():
    assert ev("${s}", s=["a", "b"]) == "a b"
    assert ev_bool("${s} = 'a b'", s=["a", "b"]) is True


# --- the current answer (constraints) ------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "valid"),
    [(0, True), (35, True), (120, True), ("45", True), (121, False), (-1, False),
     ("abc", False), (None, False), (Decimal("119.5"), True)],
)
def test_range_constraint_on_current(current, valid):
    assert ev_bool(". >= 0 and . <= 120", current=current) is valid


def test_current_in_text_constraints():
    assert ev_bool("string-length(.) <= 10", current="0123456789") is True
    assert ev_bool("string-length(.) <= 10", current="01234567890") is False
    assert ev_bool("regex(., '^[0-9]{10}$')", current="0501234567") is True
    assert ev_bool("regex(., '^[0-9]{10}$')", current="0501234567\n") is False
    assert ev_bool("regex(., '^[0-9]{10}$')", current="050123456x") is False
    assert ev_bool(". != ${other}", current="a", other="b") is True


# --- dates ---------------------------------------------------------------------------------


def test_dates_with_today_injected():
    assert ev("today()") == TODAY
    assert ev_bool(". <= today()", current=date(2024, 3, 15)) is True
    assert ev_bool(". <= today()", current=date(2024, 3, 16)) is False
    assert ev_bool(". <= today()", current="2024-03-14") is True
    assert ev("today() - ${dob}", dob=date(2024, 3, 1)) == 14.0
    assert ev_bool("(today() - ${dob}) div 365.25 >= 18", dob=date(2000, 1, 1)) is True
    assert ev_bool("(today() - ${dob}) div 365.25 >= 18", dob=date(2010, 1, 1)) is False
    assert ev("string(today())") == "2024-03-15"
    assert ev("concat('on ', today())") == "on 2024-03-15"


def test_today_defaults_to_the_current_date():
    assert evaluate("today()", {}) == date.today()


def test_dates_compare_with_iso_strings():
    dob = date(2000, 1, 31)
    assert ev_bool("${dob} = '2000-01-31'", dob=dob) is True
    assert ev_bool("${dob} != '2000-01-31'", dob=dob) is False
    assert ev_bool("${dob} < '2000-02-01'", dob=dob) is True
    assert ev_bool("${dob} > '1900-01-01' and ${dob} < today()", dob=dob) is True
    assert ev_bool("${dob} > 'yesterday'", dob=dob) is False
    assert ev_bool("${dob} = ''", dob=dob) is False
    assert ev_bool("${visit} >= '2024-01-01'", visit="2024-02-10") is True  # text answers too
    assert ev_bool("${a} < ${b}", a=date(2024, 1, 1), b=date(2024, 1, 2)) is True
    assert ev_bool("date('2024-01-02') > date('2024-01-01')") is True
    assert ev_bool("${d} = '2000-02-30'", d=dob) is False


def test_datetimes_compare_with_dates():
    assert ev_bool("${at} > '2024-03-01'", at=datetime(2024, 3, 1, 10, 0)) is True
    assert ev_bool("${at} < '2024-03-01T12:00:00+02:00'",
                   at=datetime(2024, 3, 1, 9, 0, tzinfo=UTC)) is True
    assert ev_bool("${at} = ${d}", at=datetime(2024, 3, 1), d=date(2024, 3, 1)) is True
    eastern = datetime(2024, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert ev("${at} - date('2024-02-29')", at=eastern) == pytest.approx(23 / 24)
    assert ev("string(${at})", at=datetime(2024, 3, 1, 10, 30)) == "2024-03-01T10:30:00"


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("${a} = 1)", "unexpected ')' at position 8", 8),
        ("(${a} = 1 or ${b} = 2))", "unexpected ')' at position 22", 22),
        ("foo(1)", "unknown function 'foo' at position 0", 0),
        ("${a} = 1 and bar()", "unknown function 'bar' at position 13", 13),
        ("jr:choice-name(${a}, '${a}')", "unknown function 'jr:choice-name' at position 0", 0),
        ("${a} = 'yes", "unterminated string starting at position 7", 7),
        ('concat("a, ${b})', "unterminated string starting at position 7", 7),
        ("${a} = 1 and", "expected an expression after 'and' at position 12", 12),
        ("${a} = 1 and )", "expected an expression after 'and', found ')' at position 13", 13),
        ("1 +", "expected an expression after '+' at position 3", 3),
        ("-", "expected an expression after '-' at position 1", 1),
        ("if(1, 2,)", "expected an expression after ',', found ')' at position 8", 8),
        ("", "expected an expression, found nothing at position 0", 0),
        ("   ", "expected an expression, found nothing at position 0", 0),
        ("(1 + 2", "missing ')' for the '(' at position 0", 0),
        ("not(${a} = 1", "missing ')' for the '(' at position 3", 3),
        ("(1 2)", "unexpected number 2 at position 3", 3),
        ("1 2", "unexpected number 2 at position 2", 2),
        ("${a} ${b}", "unexpected reference ${b} at position 5", 5),
        ("= 1", "unexpected '=' at position 0", 0),
        (")", "unexpected ')' at position 0", 0),
        ("age > 18", "unexpected name 'age' at position 0", 0),
        ("true", "function 'true' without parentheses at position 0", 0),
        ("${a} AND ${b}", "unexpected 'AND' at position 5", 5),
        ("${a} = 1 not(${b})", "unexpected 'not' at position 9", 9),
        ("1 / 2", "unexpected character '/' at position 2", 2),
        ("${a} == 1", "expected an expression after '=', found '=' at position 6", 6),
        ("${a} = \u2018yes\u2019", "unexpected character '\u2018' at position 7", 7),
        ("${a} = 1 \x00", "unexpected character U+0000 at position 9", 9),
        ("$a", "'$' not followed by '{' at position 0", 0),
        ("${a", "unterminated reference starting at position 0", 0),
        ("1 + ${}", "empty reference '${}' at position 4", 4),
        ("${1a} = 1", "'1a' is not a valid question name at position 2", 2),
        ("${a-b} = 1", "'a-b' is not a valid question name at position 2", 2),
        ("if(1, 2)", "if() takes 3 arguments, not 2, at position 0", 0),
        ("not()", "not() takes 1 argument, not 0, at position 0", 0),
        ("round(1, 2, 3)", "round() takes 1 to 2 arguments, not 3, at position 0", 0),
        ("true(1)", "true() takes 0 arguments, not 1, at position 0", 0),
        ("..", "unexpected '.' at position 1", 1),
        ("1 + 'a' 'b'", "unexpected string 'b' at position 8", 8),
    ],
)
def test_syntax_errors_say_what_and_where(text, message, position):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.message == message
    assert caught.value.position == position
    assert str(caught.value).startswith(message)


def test_errors_carry_hints():
    with pytest.raises(ExpressionError) as caught:
        parse("age > 18")
    assert str(caught.value) == (
        "unexpected name 'age' at position 0 (refer to a question with ${age})"
    )
    with pytest.raises(ExpressionError, match=r"divide with 'div'"):
        parse("${a} / 2")
    with pytest.raises(ExpressionError, match=r"write true\(\)"):
        parse("true")
    with pytest.raises(ExpressionError, match="straight quotes"):
        parse("${a} = \u201cyes\u201d")


def test_expression_error_is_a_value_error_and_pickles():
    import pickle

    error = ExpressionError("unexpected ')' at position 3", 3, where="question 'a', relevant")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.position, copy.where) == (error.message, 3, error.where)


def test_deep_nesting_is_an_expression_error_not_a_crash():
    with pytest.raises(ExpressionError, match="nested parentheses"):
        parse("(" * 3000 + "1" + ")" * 3000)
    with pytest.raises(ExpressionError, match="nested parentheses"):
        parse("not(" * 200 + "1" + ")" * 200)
    with pytest.raises(ExpressionError, match="levels deep"):
        parse("-" * 9000 + "1")
    with pytest.raises(ExpressionError, match="levels deep"):
        parse(" + ".join(["${a}"] * (MAX_DEPTH + 5)))
    with pytest.raises(ExpressionError, match="longer than"):
        parse("1" + " + 1" * 5000)


def test_long_sums_of_items_are_fine():
    text = " + ".join(f"${{item_{i}}}" for i in range(150))
    answers = {f"item_{i}": i for i in range(150)}
    assert evaluate(text, answers) == float(sum(range(150)))
    assert parse(to_text(parse(text))) == parse(text)
    assert len(references(parse(text))) == 150


def test_deepest_trees_leave_room_on_the_stack():
    # a request handler, a test runner or a worker may already be a few hundred frames deep
    text = " - ".join(["${a}"] * MAX_DEPTH)
    tree, same = parse(text), parse(text)

    def nested(levels: int):
        if levels:
            return nested(levels - 1)
        return evaluate(tree, {"a": 1}), tree == same, hash(tree), to_text(tree)

    assert nested(600)[:2] == (1.0 - (MAX_DEPTH - 1), True)


def test_huge_number_literal_is_an_error():
    with pytest.raises(ExpressionError, match="too large at position 0"):
        parse("9" * 400)


def test_evaluate_raises_for_text_that_does_not_parse():
    with pytest.raises(ExpressionError):
        evaluate("1 +", {})
    with pytest.raises(TypeError):
        evaluate(42, {})  # type: ignore[arg-type]


# --- regex safety --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "^[0-9]{10}$",
        r"^\+?[0-9]{9,12}$",
        r"^(\+380|0)[0-9]{9}$",
        r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$",
        r"^(\d{3}-){2}\d{4}$",
        r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$",
        r"^(?=.*\d)(?=.*[a-z]).{8,}$",
        r"^[А-Яа-яІіЇїЄєҐґ' -]+$",
        r"(ab)+",
        r"[]a]+",
        r"a{,3}",
        r"x{}",
    ],
)
def test_safe_patterns_are_accepted(pattern):
    assert safe_regex.pattern_problem(pattern) is None
    assert parse(f"regex(., {quote(pattern)})").args[1] == String(pattern)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("(a+)+$", "repeated group"),
        ("(a|aa)*b", "repeated group"),
        ("(a*){20}b", "repeated group"),
        ("((ab)*)+", "repeated group"),
        (r"^\d*\d*\d*\d*x$", "open-ended repetitions"),
        (r"(a)\1", "back-references"),
        (r"[a\1]", "back-references"),
        ("(?i)abc", "look-around"),
        ("(?P<x>a)", "look-around"),
        ("a{1001}", "above 1000"),
        ("a{99999999999}", "above 1000"),
        ("[[a]", "'[' inside a character class"),
        ("[a--b]", "inside a character class"),
        ("[abc", "unterminated character class"),
        ("(abc", "missing ')'"),
        ("abc)", "unbalanced"),
        ("*a", "nothing to repeat"),
        ("a**", "nothing to repeat"),
        ("a{3,2}", "min repeat greater than max repeat"),
        (r"(?<=a+)b", "look-behind"),
        ("x" * 201, "longer than 200"),
    ],
)
def test_unsafe_or_invalid_patterns_are_refused(pattern, problem):
    assert problem in (safe_regex.pattern_problem(pattern) or "")
    with pytest.raises(ExpressionError) as caught:
        parse(f"regex(., '{pattern}')")
    assert caught.value.position == 9
    assert caught.value.message == "unsafe or invalid regex() pattern at position 9"
    assert problem in caught.value.hint


def test_patterns_from_answers_are_checked_when_evaluated():
    assert ev_bool("regex(., ${p})", current="aaa", p="a+") is True
    assert ev_bool("regex(., ${p})", current="a" * 40 + "!", p="(a+)+$") is False
    assert ev_bool("regex(., ${p})", current="a", p="(") is False


def test_regex_is_ascii_and_input_is_limited():
    assert ev_bool(r"regex(., '\d+')", current="123") is True
    assert ev_bool(r"regex(., '\d+')", current="١٢٣") is False  # Arabic-Indic digits
    long_text = "a" * (safe_regex.MAX_INPUT_LENGTH + 1)
    assert ev_bool("regex(., 'a*')", current=long_text) is False
    assert ev_bool("regex(., 'a*')", current=long_text[:-1]) is True


def test_worst_accepted_pattern_finishes():
    # Two open-ended repeats, unanchored, on the longest input: about cubic, so it ends (the
    # figure is measured, not asserted: ~0.05 s here); three would be refused.
    assert ev_bool(r"regex(., '\d*\d*x')", current="1" * safe_regex.MAX_INPUT_LENGTH) is False
    with pytest.raises(ExpressionError):
        parse(r"regex(., '\d*\d*\d*x')")


# --- check() -------------------------------------------------------------------------------


KEYS = ["age", "consent", "services", "dob"]


def test_check_returns_the_tree():
    tree = check("${age} >= 18 and ${consent} = 'yes'", KEYS, allow_current=False,
                 where="question 'x', relevant")
    assert tree == parse("${age} >= 18 and ${consent} = 'yes'")
    assert check(". >= 0", KEYS, allow_current=True, where="w") == parse(". >= 0")


def test_check_names_unknown_questions_with_position_and_place():
    with pytest.raises(ExpressionError) as caught:
        check("${agee} >= 18", KEYS, allow_current=False, where="question 'adult', relevant")
    error = caught.value
    assert error.position == 2
    assert error.message == "unknown question 'agee' at position 2"
    assert error.where == "question 'adult', relevant"
    assert str(error) == (
        "question 'adult', relevant: unknown question 'agee' at position 2 "
        "(did you mean 'age'?)"
    )


def test_check_reports_the_first_problem_in_the_text():
    with pytest.raises(ExpressionError) as caught:
        check("${consent} = 'yes' and ${zzz} = 1 and ${yyy} = 2", KEYS,
              allow_current=False, where="w")
    assert caught.value.message == "unknown question 'zzz' at position 25"
    assert caught.value.hint is None


def test_check_refuses_current_where_not_allowed():
    with pytest.raises(ExpressionError) as caught:
        check("${age} > 3 and . = 'x'", KEYS, allow_current=False,
              where="question 'q', relevant")
    assert caught.value.position == 15
    assert str(caught.value) == (
        "question 'q', relevant: '.' (this question's own answer) is not allowed here "
        "at position 15"
    )


def test_check_names_the_place_of_syntax_errors():
    with pytest.raises(ExpressionError) as caught:
        check("${age} >", KEYS, allow_current=True, where="question 'q', constraint")
    assert str(caught.value) == (
        "question 'q', constraint: expected an expression after '>' at position 8"
    )
    assert caught.value.position == 8


def test_check_accepts_any_collection_of_keys():
    for keys in (set(KEYS), frozenset(KEYS), tuple(KEYS), dict.fromkeys(KEYS), iter(KEYS)):
        check("${dob} < today()", keys, allow_current=False, where="w")


OPTIONS = {
    "housing": Options(("own", "shelter", "other")),
    "services": Options(("legal", "medical", "housing", "none"), multiple=True),
    "consent": Options(("yes", "no")),
}
OPTION_KEYS = [*KEYS, "housing"]


def _option_error(text: str, current: str | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        check(text, OPTION_KEYS, allow_current=True, where="question 'q', relevant",
              options=OPTIONS, current=current)
    return caught.value


@pytest.mark.parametrize("text", [
    "${housing} = 'shelterr'",
    "'shelterr' = ${housing}",
    "${housing} != 'shelterr'",
    "selected(${housing}, 'shelterr')",
    "${age} > 3 and (${housing} = 'own' or ${housing} = 'shelterr')",
])
def test_check_refuses_a_value_a_select_one_does_not_have(text):
    error = _option_error(text)
    position = text.index("shelterr")  # inside the quotes, where the value is written
    assert error.message == f"'shelterr' is not an option of question 'housing' at position {position}"
    assert error.position == position and text[position:].startswith("shelterr")
    assert error.hint == "did you mean 'shelter'?"
    assert str(error) == (f"question 'q', relevant: 'shelterr' is not an option of question "
                          f"'housing' at position {position} (did you mean 'shelter'?)")


@pytest.mark.parametrize("text, value, close", [
    ("selected(${services}, 'medicall')", "medicall", "medical"),
    ("${services} = 'medicall'", "medicall", "medical"),
    ("${services} != 'legal medicall'", "medicall", "medical"),
    ("'legall housing' = ${services}", "legall", "legal"),
    ("${consent} = 'yse'", "yse", "yes"),
])
def test_check_refuses_a_value_a_select_multiple_or_yes_no_does_not_have(text, value, close):
    error = _option_error(text)
    assert error.position == text.index(value)
    assert f"'{value}' is not an option of question" in error.message
    assert error.hint == f"did you mean '{close}'?"


def test_check_refuses_a_value_of_the_current_question_in_a_constraint():
    text = "not(selected(., 'nonne') and count-selected(.) > 1)"
    error = _option_error(text, current="services")
    assert error.message == ("'nonne' is not an option of this question at position "
                             f"{text.index('nonne')}")
    assert error.hint == "did you mean 'none'?"


def test_check_lists_the_options_when_none_is_close():
    error = _option_error("${housing} = 'zzz'")
    assert error.hint == "the options are 'own', 'shelter', 'other'"


def test_check_accepts_the_options_the_empty_string_and_free_answers():
    for text in ("${housing} = 'shelter'", "'other' != ${housing}", "${housing} = ''",
                 "${housing} != \"\"", "selected(${services}, 'none')",
                 "${services} = 'legal medical'", "${services} = ''", "${consent} = 'no'",
                 "${age} = 'anything'", "${dob} != 'x'", "${housing} = ${consent}",
                 "${housing} > 'zzz'", "contains(${housing}, 'shel')", "${housing} = 1"):
        check(text, OPTION_KEYS, allow_current=False, where="w", options=OPTIONS)
    # '.' of a question without options, or with no question named, is not checked.
    check(". = 'zzz'", OPTION_KEYS, allow_current=True, where="w", options=OPTIONS,
          current="age")
    check(". = 'zzz'", OPTION_KEYS, allow_current=True, where="w", options=OPTIONS)
    # Without options nothing but the keys is checked, as before.
    check("${housing} = 'zzz'", OPTION_KEYS, allow_current=False, where="w")


def test_check_reports_an_unknown_question_before_a_later_unknown_option():
    error = _option_error("${agee} > 1 and ${housing} = 'shelterr'")
    assert error.message == "unknown question 'agee' at position 2"
    error = _option_error("${housing} = 'shelterr' and ${agee} > 1")
    assert error.message.startswith("'shelterr' is not an option")


# --- find_cycle ----------------------------------------------------------------------------


def test_find_cycle_self_cycle():
    assert find_cycle({"a": ["a"]}) == ["a", "a"]


def test_find_cycle_three_cycle():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": []}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": ["a"], "a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_find_cycle_none_for_a_dag():
    assert find_cycle({}) is None
    assert find_cycle({"total": ["a", "b"], "a": ["c"], "b": ["c"], "c": []}) is None
    assert find_cycle({"bmi": ["weight", "height"]}) is None  # plain answers are leaves


def test_find_cycle_is_deterministic():
    graph = {"a": {"d", "c", "b"}, "b": {"a"}, "c": {"a"}, "d": set()}
    assert all(find_cycle(graph) == ["a", "b", "a"] for _ in range(5))


def test_find_cycle_on_long_chains_does_not_recurse():
    chain = {f"k{i}": [f"k{i + 1}"] for i in range(20_000)}
    assert find_cycle(chain) is None
    chain["k20000"] = ["k0"]
    cycle = find_cycle(chain)
    assert cycle is not None and cycle[0] == cycle[-1] == "k0" and len(cycle) == 20_002


# --- to_text -------------------------------------------------------------------------------


REALISTIC = [
    "${age} >= 18 and ${consent} = 'yes'",
    "selected(${services}, 'shelter') or count-selected(${services}) > 2",
    "not(${q1} = 'no')",
    "${income} div ${household} > 100",
    "string-length(.) <= 10",
    "regex(., '^[0-9]{10}$')",
    ". >= 0 and . <= 120",
    "${consent} = 'yes' and (${age} < 18 or ${guardian_present} = 'no')",
    "selected(${exploitation}, 'labour') and not(selected(${exploitation}, 'sexual'))",
    "if(${hh_size} > 0, round(${income} div ${hh_size}, 2), '')",
    "(today() - ${dob}) div 365.25 >= 18",
    ". <= today() and . >= date('1920-01-01')",
    "${phq1} + ${phq2} + ${phq3} + ${phq4} + ${phq5} + ${phq6} + ${phq7} + ${phq8} + ${phq9}",
    "concat(${first_name}, ' ', ${last_name})",
    "coalesce(${phone}, 'none') != 'none' or ${email} != ''",
    "${satisfaction} = '4' or ${satisfaction} = '5'",
    "int(${months} mod 12) = 0",
    "-${balance} > 100 and ${balance} * -1 < 1000",
    "${a} - (${b} - ${c})",
    "${a} div (${b} * ${c})",
    "${note} = \"it's fine\"",
    "regex(${code}, '^[A-Z]{2}[0-9]{6}$') or ${code} = ''",
    "string-length(${why}) > 0",
    "true() and not(false())",
]


@pytest.mark.parametrize("text", REALISTIC)
def test_to_text_round_trip(text):
    tree = parse(text)
    canonical = to_text(tree)
    assert parse(canonical) == tree
    assert to_text(parse(canonical)) == canonical


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("${a}='yes'and${b}!=\"no\"", "${a} = 'yes' and ${b} != 'no'"),
        ("((1 + 2)) * 3", "(1 + 2) * 3"),
        ("1 + (2 * 3)", "1 + 2 * 3"),
        ("(1 - 2) - 3", "1 - 2 - 3"),
        ("1 - (2 + 3)", "1 - (2 + 3)"),
        ("1 = (2 = 3)", "1 = (2 = 3)"),
        ("(${a} or ${b}) and ${c}", "(${a} or ${b}) and ${c}"),
        ("- (1 + 2)", "-(1 + 2)"),
        ("- - 1", "--1"),
        ("-(-1)", "--1"),
        ("2.50", "2.5"),
        ("3.0", "3"),
        (".5", "0.5"),
        ("0.0000001", "0.0000001"),
        ("12345678901234567890", "12345678901234567168"),
        ("if( . ,'a' , \"b\" )", "if(., 'a', 'b')"),
    ],
)
def test_to_text_is_canonical(text, canonical):
    assert to_text(parse(text)) == canonical
    assert parse(canonical) == parse(text)


def test_to_text_refuses_trees_no_text_can_express():
    for tree in (
        Number(-1),
        Number(math.inf),
        Number(math.nan),
        String("both ' and \""),
        Ref("not a key"),
        Call("nope", ()),
        Binary("**", Number(1), Number(2)),
    ):
        with pytest.raises(ValueError):
            to_text(tree)
    with pytest.raises(TypeError):
        to_text("1 + 2")  # type: ignore[arg-type]


# --- the package stays pure Python ---------------------------------------------------------


def test_the_package_imports_no_web_or_database_code():
    package = pathlib.Path(expressions.__file__).parent
    imported: set[str] = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "sqlalchemy", "monitor", "flask_sqlalchemy", "wtforms"}
    code = "".join(path.read_text(encoding="utf-8") for path in package.glob("*.py"))
    assert re.search(r"(?<![\w.])(eval|exec|compile)\(", code) is None
