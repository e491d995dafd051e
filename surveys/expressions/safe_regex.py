"""Regular expressions for ``regex(x, 'pattern')`` that cannot take forever.

Python's ``re`` backtracks, so some patterns take exponential (``(a+)+$``) or high polynomial
(``\\d*\\d*\\d*\\d*x``) time on a crafted answer. Rather than run with a timeout (``re`` has
none), patterns are refused up front when they could backtrack badly:

* a pattern is at most :data:`MAX_PATTERN_LENGTH` characters;
* a group repeated more than once (``*``, ``+``, ``{2,}``, ``{3}`` ...) must not contain a
  repetition of varying count (``?``, ``*``, ``+``, ``{m,n}``) or an alternation ``|``:
  ``(ab)+`` and ``(\\d{3}-){2}`` pass, ``(a+)+``, ``(a|b)*`` (write ``[ab]*``) and
  ``(\\d{3} ?)+`` are refused;
* at most :data:`MAX_OPEN_REPETITIONS` repetitions of varying count with more than one
  repetition (``*``, ``+``, ``{m,}``, ``{m,n}``; ``?`` does not count);
* repetition counts are at most :data:`MAX_REPEAT`;
* no back-references (``\\1``) and no groups other than ``(...)``, ``(?:...)`` and the
  look-arounds ``(?=...)``, ``(?!...)``, ``(?<=...)``, ``(?<!...)`` (so no inline flags and no
  named groups, which other regex dialects spell differently).

The text tested is at most :data:`MAX_INPUT_LENGTH` characters; a longer answer does not
match. A pattern matches anywhere in the text, as in ODK and JavaScript (anchor it with ``^`` and
``$``); ``$`` means the very end of the text, as in JavaScript (Python's own ``$`` would also
match before a final newline). With these rules the worst case is about cubic in the input
length, bounded to a few tens of milliseconds. Patterns compile with ``re.ASCII``, so ``\\d`` and ``\\w`` mean ASCII
digits and word characters, as in JavaScript and Java; spell out other alphabets with classes
such as ``[А-Яа-яІіЇїЄєҐґ]``.
"""

from __future__ import annotations

import functools
import re

from flask_babel import gettext as _

MAX_PATTERN_LENGTH = 200
MAX_INPUT_LENGTH = 500
MAX_OPEN_REPETITIONS = 3
#: Unanchored patterns are tried from every start position (one more factor of the length), so
#: they get one open-ended repetition less.
MAX_OPEN_REPETITIONS_UNANCHORED = 2
MAX_REPEAT = 1000

_BRACES = re.compile(r"\{([0-9]*)(?:(,)([0-9]*))?\}")
_GROUP_OPENERS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")


class _Group:
    __slots__ = ("varies",)

    def __init__(self) -> None:
        self.varies = False  # contains a repetition of varying count or an alternation


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is refused, in plain words (the page's language), or None when it is
    safe to use."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return _("it is longer than %(num)d characters", num=MAX_PATTERN_LENGTH)
    problem = _structure_problem(pattern)
    if problem is not None:
        return problem
    try:
        re.compile(pattern, re.ASCII)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        return str(getattr(exc, "msg", exc))
    return None


def _structure_problem(pattern: str) -> str | None:
    stack = [_Group()]
    last: _Group | bool | None = None  # a group just closed, True for another atom, None: none
    open_repetitions = 0
    # "^" first and no alternation: search() can only match at the start.
    anchored = pattern.startswith("^") and "|" not in pattern
    limit = MAX_OPEN_REPETITIONS if anchored else MAX_OPEN_REPETITIONS_UNANCHORED
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < n and pattern[i + 1] in "123456789":
                return _("back-references such as \\1 are not allowed")
            last, i = True, i + 2
            continue
        if ch == "[":
            end = _class_end(pattern, i)
            if isinstance(end, str):
                return end
            last, i = True, end
            continue
        if ch == "(":
            opener = "("
            if pattern.startswith("(?", i):
                opener = next((o for o in _GROUP_OPENERS if pattern.startswith(o, i)), "")
                if not opener:
                    return _("only (...), (?:...) and look-around groups are allowed")
            stack.append(_Group())
            last = None
            i += len(opener)
            continue
        if ch == ")":
            if len(stack) == 1:
                return _("unbalanced parenthesis")
            group = stack.pop()
            stack[-1].varies = stack[-1].varies or group.varies
            last, i = group, i + 1
            continue
        if ch == "|":
            stack[-1].varies = True
            last, i = None, i + 1
            continue
        quantifier = _quantifier(pattern, i)
        if quantifier is None:
            last, i = True, i + 1
            continue
        low, high, i = quantifier
        if low > MAX_REPEAT or (high is not None and high > MAX_REPEAT):
            return _("repetition counts above %(num)d are not allowed", num=MAX_REPEAT)
        if last is None:
            return _("a repetition has nothing to repeat")
        repeats = high is None or high > 1
        varies = high is None or high != low
        if repeats and isinstance(last, _Group) and last.varies:
            return _(
                "a repeated group contains another repetition or an alternation, "
                "which can take forever to match"
            )
        if varies:
            stack[-1].varies = True
            if repeats:
                open_repetitions += 1
                if open_repetitions > limit:
                    if anchored:
                        return _("more than %(num)d open-ended repetitions such as *, + or "
                                 "{m,n}", num=limit)
                    return _("more than %(num)d open-ended repetitions such as *, + or {m,n} "
                             "(%(anchored)d when the pattern starts with ^)", num=limit,
                             anchored=MAX_OPEN_REPETITIONS)
        if i < n and pattern[i] in "?+":  # lazy or possessive
            i += 1
        last = None
    if len(stack) > 1:
        return _("missing ')'")
    return None


def _class_end(pattern: str, start: int) -> int | str:
    """Index just past the character class opening at ``start``, or a problem."""
    i, n = start + 1, len(pattern)
    if i < n and pattern[i] == "^":
        i += 1
    if i < n and pattern[i] == "]":
        i += 1
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 < n and pattern[i + 1] in "123456789":
                return _("back-references such as \\1 are not allowed")
            i += 2
            continue
        if ch == "]":
            return i + 1
        if ch == "[":
            return _("'[' inside a character class must be escaped as \\[")
        if pattern.startswith(("--", "&&", "~~", "||"), i):
            return _("%(pair)s inside a character class must be escaped",
                     pair=repr(pattern[i:i + 2]))
        i += 1
    return _("unterminated character class")


def _quantifier(pattern: str, i: int) -> tuple[int, int | None, int] | None:
    """(least, most or None, index after) for a quantifier at ``i``, else None."""
    ch = pattern[i]
    if ch == "*":
        return 0, None, i + 1
    if ch == "+":
        return 1, None, i + 1
    if ch == "?":
        return 0, 1, i + 1
    if ch == "{":
        match = _BRACES.match(pattern, i)
        if match is None or match.group(0) == "{}":
            return None
        low_text, comma, high_text = match.groups()
        low = _count(low_text) if low_text else 0
        if comma is None:
            high: int | None = low
        else:
            high = _count(high_text) if high_text else None
        return low, high, match.end()
    return None


def _count(digits: str) -> int:
    return int(digits) if len(digits) <= 6 else MAX_REPEAT + 1


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """The compiled pattern, or None when :func:`pattern_problem` refuses it."""
    if pattern_problem(pattern) is not None:
        return None
    return re.compile(_end_anchors(pattern), re.ASCII)


def _end_anchors(pattern: str) -> str:
    """Replace each ``$`` outside a character class by ``\\Z`` (end of text only)."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]" or (out and out[-1] == "[")
        elif ch == "[":
            in_class = True
        elif ch == "$":
            ch = r"\Z"
        out.append(ch)
        i += 1
    return "".join(out)


def matches(text: str, pattern: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text`` (False for a refused pattern)."""
    if len(text) > MAX_INPUT_LENGTH:
        return False
    compiled = compile_pattern(pattern)
    return compiled is not None and compiled.search(text) is not None
