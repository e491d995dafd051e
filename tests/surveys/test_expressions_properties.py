"""Properties of the expression language, checked on generated inputs.

1. Any text parses to a tree or raises ExpressionError, never another exception.
2. For any valid tree, parse(to_text(tree)) == tree.
3. Evaluating any tree against any answers never raises.

No example database is kept (``database=None``) so that runs leave no files behind.
"""

from __future__ import annotations

import math
from datetime import UTC, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.expressions import (
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
    check,
    evaluate,
    evaluate_bool,
    parse,
    references,
    to_text,
    uses_current,
)

FAST = settings(max_examples=300, deadline=timedelta(milliseconds=500), database=None)
KEYS = ["a", "b", "q_1", "_x"]
SAFE_PATTERNS = ["^[0-9]{10}$", "[a-z]+", r"(\d{3}-){2}\d{4}", "(ab)?c*", ""]

# --- 1. any text -> Expr or ExpressionError ------------------------------------------------

TOKENS = [
    "${a}", "${b}", "${q_1}", "${_x}", "${zz}", ".", "..", "0", "1", "2.5", ".5", "1.", "007",
    "9" * 400, "'x'", "'yes'", '"no"', "''", "'", '"', "(", ")", ",", "=", "!=", "==", "<",
    "<=", ">", ">=", "+", "-", "*", "div", "mod", "and", "or", "AND", "not", "not(", "if(",
    "selected(", "count-selected(", "string-length(", "number(", "int(", "round(",
    "coalesce(", "concat(", "true()", "false()", "today()", "date(", "substr(", "regex(",
    "contains(", "foo(", "jr:choice-name(", "age", "$", "${", "}", "${1}", "${}", "/", "[", "]",
    "@", "!", "\u00a0", "\u2018", "\x00", "\n",
    "'(a+)+'", "'[0-9]+'", "'[['", "'a{2,1}'", "'(?i)x'", r"'\1'", "'[a--b]'",
]


@st.composite
def token_texts(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(st.sampled_from(TOKENS), max_size=40))
    spaces = draw(st.lists(st.sampled_from(["", " ", "  "]), min_size=len(tokens),
                           max_size=len(tokens)))
    return "".join(token + space for token, space in zip(tokens, spaces, strict=True))


REGEX_ALPHABET = "ab01[]()*+?{},|\\^$.-&~:=!<>Pdw"
regex_calls = st.text(REGEX_ALPHABET, max_size=25).map(
    lambda pattern: f"regex(., '{pattern}')" if "'" not in pattern else "1"
)



def _parses_or_fails_cleanly(text: str) -> Expr | None:
    try:
        tree = parse(text)
    except ExpressionError as error:
        assert isinstance(error.message, str) and error.message
        assert error.position is None or 0 <= error.position <= len(text)
        return None
    assert isinstance(tree, Expr)
    return tree


# --- 2. generated trees round-trip through text --------------------------------------------

numbers = st.floats(min_value=0.0, allow_nan=False, allow_infinity=False).filter(
    lambda value: math.copysign(1.0, value) > 0
)
strings = st.text(max_size=12).filter(lambda text: not ("'" in text and '"' in text))
leaves = st.one_of(
    numbers.map(Number),
    strings.map(String),
    st.sampled_from(KEYS).map(Ref),
    st.just(Current()),
)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    def call(name: str) -> st.SearchStrategy[Expr]:
        least, most = FUNCTIONS[name]
        if name == "regex":
            return st.builds(
                lambda text, pattern: Call(name, (text, pattern)),
                children,
                st.one_of(
                    st.sampled_from(SAFE_PATTERNS).map(String), st.sampled_from(KEYS).map(Ref)
                ),
            )
        size = st.integers(least, least + 3 if most is None else most)
        return size.flatmap(
            lambda n: st.lists(children, min_size=n, max_size=n).map(
                lambda args: Call(name, tuple(args))
            )
        )

    return st.one_of(
        children.map(Negate),
        st.builds(Binary, st.sampled_from(sorted(BINARY_OPERATORS)), children, children),
        st.sampled_from(sorted(FUNCTIONS)).flatmap(call),
    )


trees = st.recursive(leaves, _extend, max_leaves=25)


@FAST
@given(trees)
def test_generated_trees_round_trip_through_text(tree: Expr) -> None:
    text = to_text(tree)
    assert parse(text) == tree
    assert to_text(parse(text)) == text


# --- 1 (continued): near-valid texts, cut from the canonical text of generated trees ------


@st.composite
def damaged_texts(draw: st.DrawFn) -> str:
    text = to_text(draw(trees))
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 4)))
    insert = draw(st.sampled_from(["", "(", ")", ",", "'", " and ", "-", "${"]))
    return text[:start] + insert + text[end:]


ANY_TEXT = st.one_of(st.text(max_size=80), token_texts(), regex_calls, damaged_texts())


@FAST
@given(ANY_TEXT)
def test_any_text_parses_or_raises_expression_error(text: str) -> None:
    tree = _parses_or_fails_cleanly(text)
    if tree is None:
        return
    # what parses also prints back, checks and evaluates without surprises
    assert parse(to_text(tree)) == tree
    assert all("${" + key + "}" in text for key in references(tree))
    try:
        check(text, KEYS, allow_current=False, where="w")
    except ExpressionError as error:
        assert error.where == "w"
        assert references(tree) - set(KEYS) or uses_current(tree)
    evaluate(tree, {"a": "1", "b": ["x", "y"]}, current="5")


# --- 3. evaluation never raises ------------------------------------------------------------

fixed_offsets = st.integers(-14 * 60, 14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
answers = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=20),
    st.sampled_from(["", "0", "-1.5", " 42 ", "2024-02-29", "2024-02-30", "yes", "a b c",
                     "2024-03-01T10:00:00+02:00", "(a+)+", "[[x]", "NaN", "Infinity"]),
    st.text(REGEX_ALPHABET, max_size=15),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(),
    st.decimals(),
    st.fractions(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.one_of(st.just(UTC), fixed_offsets)),
    st.times(),
    st.lists(st.one_of(st.text(max_size=6), st.integers()), max_size=4),
    st.frozensets(st.text(max_size=6), max_size=4),
)


@settings(FAST, suppress_health_check=[HealthCheck.too_slow])  # many strategies per example
@given(
    trees,
    st.dictionaries(st.sampled_from(KEYS), answers),
    answers,
    st.dates(),
)
def test_evaluation_never_raises(tree: Expr, values: dict, current: object, today) -> None:
    result = evaluate(tree, values, current, today=today)
    assert isinstance(result, str | float | bool) or hasattr(result, "isoformat")
    assert isinstance(evaluate_bool(tree, values, current, today=today), bool)
