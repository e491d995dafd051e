r"""The survey expression language: the XLSForm/ODK XPath subset of ``relevant``,
``constraint`` and ``calculation``, parsed by our own small parser (never ``eval``).

This text is the specification. The server evaluates expressions with this package; any other
implementation (a JavaScript mirror for live show/hide) must follow it exactly.

Syntax
======

* ``${key}``: the answer to another question; a key is letters, digits and ``_``, not starting
  with a digit. ``.``: the answer to the question the expression belongs to (constraints).
* Literals: strings in ``'single'`` or ``"double"`` quotes (no escapes: a string cannot hold
  both kinds of quote), numbers ``3``, ``2.5``, ``.5``; negative numbers by unary minus.
* Operators, loosest first (all left-associative): ``or``; ``and``; ``=`` ``!=``;
  ``<`` ``<=`` ``>`` ``>=``; ``+`` ``-``; ``*`` ``div`` ``mod``; unary ``-``. Parentheses group.
  Division is spelt ``div`` (``/`` is an error). Names are case-sensitive.
* Whitespace between tokens is optional; it is anything JavaScript's ``\s`` matches.
* Limits: 10,000 characters, 50 nested parentheses or calls, a tree 200 levels deep.
* Functions (anything else is an error naming it):

  ====================================  =====================================================
  ``selected(s, 'v')``                  ``'v'`` is among the space-separated choices of ``s``
  ``count-selected(s)``                 how many choices ``s`` holds (0 when unanswered)
  ``if(c, a, b)``                       ``a`` if ``c`` is true, else ``b`` (only one is
                                        evaluated)
  ``not(x)``, ``boolean(x)``            negation, conversion to boolean
  ``true()``, ``false()``
  ``string(x)``, ``number(x)``          conversions (below)
  ``int(x)``                            truncates toward zero
  ``round(x)``, ``round(x, n)``         to ``n`` decimal places (default 0; negative ``n``
                                        rounds to tens, hundreds ...), halves away from zero,
                                        on the number's shortest decimal form (``round(1.005,
                                        2)`` is 1.01)
  ``string-length(x)``                  number of characters
  ``concat(a, b, ...)``                 strings joined
  ``contains(s, t)``,                   substring tests
  ``starts-with(s, t)``,
  ``ends-with(s, t)``
  ``substr(s, start[, end])``           characters ``start`` .. ``end - 1``, 0-based
  ``coalesce(a, b)``                    ``a`` unless it is empty, then ``b``
  ``regex(s, 'pattern')``               the pattern matches the *whole* of ``s`` (Python
                                        ``re.search``, ``re.ASCII``); see below
  ``today()``                           today's date (injectable: ``evaluate(..., today=)``)
  ``date(x)``                           ``'YYYY-MM-DD'`` text or a day number as a date;
                                        ``''`` if it is neither
  ====================================  =====================================================

Values and coercions
====================

Expressions compute with strings, numbers (IEEE doubles, as in XPath and JavaScript),
booleans and dates. Answers come in as Python values (:func:`from_answer`):

* None, or a key absent from the answers: unanswered, which is the empty string ``''``;
* ``str`` (text, select_one) as is; ``int``, ``float``, ``Decimal``: numbers;
* a list, tuple or set of choices (select_multiple) becomes the space-separated string ODK
  stores, and a space-separated string is accepted as is, so both spellings behave the same;
* ``datetime.date`` / ``datetime.datetime``: dates;
* ``bool`` is read as an XLSForm yes/no choice, ``'yes'`` or ``'no'`` (so
  ``${consent} = 'yes'`` works whichever way the answer was stored).

Conversions follow XPath 1.0:

* to string: numbers without a needless ``.0`` (``3``, ``2.5``, ``NaN``, ``Infinity``),
  booleans ``true``/``false``, dates ``YYYY-MM-DD``;
* to number: a numeric string (ASCII digits, optional ``-`` and ``.``, surrounding spaces) is
  that number, any other string (``''`` included, so an unanswered question) is NaN; true is 1,
  false 0; a date is its number of days since 1970-01-01 (so ``today() - ${dob}`` is an age
  in days);
* to boolean: a non-empty string, a number other than 0 and NaN, any date, true.

Comparisons:

* ``=`` and ``!=``: if either side is a boolean, both compare as booleans; else if either is
  a number or a date, both compare as numbers, where a string that is an ISO date
  (``'2024-03-01'``) or date-time counts as that date; else both compare as strings. So
  ``${age} = '18'`` with the number 18 is true, ``${q} = ''`` is true exactly when ``q`` is
  unanswered (or answered with empty text), and ``${dob} = '2000-01-31'`` compares dates.
* ``<``, ``<=``, ``>``, ``>=`` always compare as numbers (XPath), again reading ISO date
  strings as dates: ``${visit} >= '2024-01-01'`` and ``. <= today()`` work.
* NaN (unanswered, non-numeric text) compares false with everything, so ``${age} > 18`` is
  false while ``age`` is unanswered; ``!=`` is the negation of ``=`` and so is true.

Arithmetic converts both sides to numbers. As in XPath and ODK, ``x div 0`` is +-Infinity and
``0 div 0`` is NaN, so an exported form behaves the same in ODK Collect; ``x mod 0`` is NaN; ``mod``
takes the sign of the dividend (``-5 mod 2`` is ``-1``). ``and``/``or`` stop early.

Evaluation never raises on odd data: a type mix follows the coercions above, an impossible
number is NaN, an invalid date is ``''``. Only a programming error raises.

Regular expressions
===================

``regex()`` matches anywhere in the text (Python ``re.search`` with ``re.ASCII``), as ODK and
JavaScript's ``RegExp.test`` do: anchor a pattern with ``^...$`` to match the whole answer. To rule out catastrophic
backtracking a pattern is refused (an :class:`ExpressionError` when it is a literal, no match
when it comes from an answer) if it could backtrack badly: nested quantifiers such as
``(a+)+`` or ``(a|b)*``, more than three open-ended repetitions, back-references, and more
than 200 characters; an answer longer than 500 characters does not match. The details are in
:mod:`surveys.expressions.safe_regex`.

API
===

* :func:`parse` (and :func:`parse_cached`) text -> tree of frozen dataclasses
  (:class:`Number`, :class:`String`, :class:`Ref`, :class:`Current`, :class:`Negate`,
  :class:`Binary`, :class:`Call`), raising :class:`ExpressionError` with a ``position``;
* :func:`references`, :func:`uses_current`, :func:`to_text` (canonical text,
  ``parse(to_text(t)) == t``);
* :func:`evaluate`, :func:`evaluate_bool`; :func:`to_string`, :func:`to_number`,
  :func:`to_boolean` (to store or show a calculated value use :func:`to_string`);
* :func:`check` (design-time validation against the known questions and, given their
  :class:`Options`, the values their answers can take) and :func:`find_cycle` (for
  calculations that depend on each other).
"""

from .design import Options, check, find_cycle
from .evaluator import evaluate, evaluate_bool
from .parser import MAX_DEPTH, MAX_LENGTH, MAX_NESTING, parse, parse_cached
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
    references,
    to_text,
    uses_current,
)
from .values import Value, from_answer, to_boolean, to_number, to_string

__all__ = [
    "BINARY_OPERATORS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NESTING",
    "Binary",
    "Call",
    "Current",
    "Expr",
    "ExpressionError",
    "Negate",
    "Number",
    "Options",
    "Ref",
    "String",
    "Value",
    "check",
    "evaluate",
    "evaluate_bool",
    "find_cycle",
    "from_answer",
    "parse",
    "parse_cached",
    "references",
    "to_boolean",
    "to_number",
    "to_string",
    "to_text",
    "uses_current",
]
