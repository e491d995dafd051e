"""Design-time checks for survey definitions: expressions against the known questions and
their options, and cycles among calculations. Messages are in the language of the page that
asks (English outside a request)."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _

from .parser import parse_cached
from .tree import Binary, Call, Current, Expr, ExpressionError, Ref, String, walk

__all__ = ["Options", "check", "find_cycle"]

#: How many options a message lists when no option is close to the one written.
_LISTED_OPTIONS = 10


@dataclass(frozen=True)
class Options:
    """The values an answer can take (a choice list's, yes and no), for :func:`check`.

    ``multiple``: the answer holds several values separated by spaces (select_multiple), so a
    string compared with it with ``=`` is read value by value.
    """

    values: tuple[str, ...]
    multiple: bool = False


def check(text: str, known_keys: Collection[str], *, allow_current: bool, where: str,
          options: Mapping[str, Options] | None = None, current: str | None = None) -> Expr:
    """Parse ``text`` and check it can be used at ``where`` in a survey definition.

    ``known_keys`` are the question keys the expression may refer to; ``allow_current`` says
    whether ``.`` (the question's own answer) may appear, as in constraints; ``where`` names
    the place for messages, e.g. ``"question 'age', relevant"``. ``options`` gives, for keys
    whose answers come from a closed set (a choice list, yes/no), the values they can take;
    ``current`` is the key of the question the expression belongs to, whose options ``.``
    has. Returns the tree. Raises :class:`ExpressionError` naming ``where`` for a syntax
    error, a reference to an unknown question (positioned at its name), a ``.`` that is not
    allowed and a string that an answer is compared with (``=``, ``!=``, ``selected()``) but
    that is not one of its options (positioned inside the quotes); unknown names and options
    get a "did you mean"; the first problem in the text wins.
    """
    try:
        tree = parse_cached(text)
    except ExpressionError as exc:
        raise exc.located(where) from None
    known = known_keys if isinstance(known_keys, Mapping | set | frozenset) else set(known_keys)
    problems: list[tuple[int, str, str | None]] = []
    for node in walk(tree):
        if isinstance(node, Ref) and node.key not in known:
            position = node.position + 2
            close = difflib.get_close_matches(node.key, list(known), n=1)
            hint = _("did you mean '%(name)s'?", name=close[0]) if close else None
            problems.append((position, _("unknown question '%(key)s'", key=node.key), hint))
        elif isinstance(node, Current) and not allow_current:
            problems.append(
                (node.position, _("'.' (this question's own answer) is not allowed here"), None)
            )
        elif options and isinstance(node, Binary | Call):
            problems.extend(_option_problems(node, options, current))
    if problems:
        position, message, hint = min(problems, key=lambda problem: problem[0])
        raise ExpressionError(
            _("%(problem)s at position %(position)d", problem=message, position=position),
            position, where=where, hint=hint
        )
    return tree


def _compared(node: Binary | Call) -> Iterator[tuple[Ref | Current, String, bool]]:
    """(answer, string literal, read value by value) pairs that ``node`` compares."""
    if isinstance(node, Binary) and node.op in ("=", "!="):
        for answer, literal in ((node.left, node.right), (node.right, node.left)):
            if isinstance(answer, Ref | Current) and isinstance(literal, String):
                yield answer, literal, True
    elif isinstance(node, Call) and node.name == "selected" and len(node.args) == 2:
        answer, literal = node.args
        if isinstance(answer, Ref | Current) and isinstance(literal, String):
            yield answer, literal, False


def _option_problems(node: Binary | Call, options: Mapping[str, Options],
                     current: str | None) -> Iterator[tuple[int, str, str | None]]:
    """The strings ``node`` compares an answer with that are not among its options.

    The empty string is always allowed: ``${q} = ''`` asks whether ``q`` is unanswered.
    """
    for answer, literal, by_value in _compared(node):
        key = answer.key if isinstance(answer, Ref) else current
        allowed = options.get(key) if key is not None else None
        if allowed is None or not allowed.values:
            continue
        # A select_multiple answer compared with '=' is its values joined by spaces.
        if by_value and allowed.multiple:
            written = list(_words(literal.value))
        else:
            written = [(0, literal.value)] if literal.value else []
        for offset, value in written:
            if value in allowed.values:
                continue
            close = difflib.get_close_matches(value, list(allowed.values), n=1)
            if close:
                hint = _("did you mean '%(name)s'?", name=close[0])
            else:
                listed = ", ".join(f"'{v}'" for v in allowed.values[:_LISTED_OPTIONS])
                more = " ..." if len(allowed.values) > _LISTED_OPTIONS else ""
                hint = _("the options are %(options)s", options=listed + more)
            position = literal.position + 1 + offset
            if isinstance(answer, Ref):
                problem = _("'%(value)s' is not an option of question '%(key)s'", value=value,
                            key=key)
            else:
                problem = _("'%(value)s' is not an option of this question", value=value)
            yield position, problem, hint


def _words(text: str) -> Iterator[tuple[int, str]]:
    """(offset, word) of each space-separated word of ``text``."""
    offset = 0
    for word in text.split(" "):
        if word:
            yield offset, word
        offset += len(word) + 1


def find_cycle(dependencies: Mapping[str, Collection[str]]) -> list[str] | None:
    """One cycle among ``dependencies`` (key -> keys it depends on), or None.

    The cycle is a list that starts and ends with the same key, e.g. ``['a', 'b', 'a']`` for
    a -> b -> a, ``['a', 'a']`` for a key that depends on itself. Deterministic: keys are
    visited in the mapping's order and the keys each depends on in sorted order. Keys that
    appear only as dependencies are leaves. Iterative, so long chains are fine.
    """
    graph = {key: sorted(set(needs)) for key, needs in dependencies.items()}
    done: set[str] = set()
    for root in graph:
        if root in done:
            continue
        path = [root]
        on_path = {root: 0}
        stack = [iter(graph[root])]
        while stack:
            for following in stack[-1]:
                if following in on_path:
                    return path[on_path[following] :] + [following]
                if following not in done:
                    on_path[following] = len(path)
                    path.append(following)
                    stack.append(iter(graph.get(following, ())))
                    break
            else:
                stack.pop()
                finished = path.pop()
                del on_path[finished]
                done.add(finished)
    return None
