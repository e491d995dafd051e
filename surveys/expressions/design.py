"""Design-time checks for survey definitions: expressions against the known questions, and
cycles among calculations."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping

from .parser import parse_cached
from .tree import Current, Expr, ExpressionError, Ref, walk

__all__ = ["check", "find_cycle"]


def check(text: str, known_keys: Collection[str], *, allow_current: bool, where: str) -> Expr:
    """Parse ``text`` and check it can be used at ``where`` in a survey definition.

    ``known_keys`` are the question keys the expression may refer to; ``allow_current`` says
    whether ``.`` (the question's own answer) may appear, as in constraints; ``where`` names
    the place for messages, e.g. ``"question 'age', relevant"``. Returns the tree. Raises
    :class:`ExpressionError` naming ``where`` for a syntax error, a reference to an unknown
    question (positioned at its name) and a ``.`` that is not allowed; the first problem in
    the text wins.
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
            hint = f"did you mean '{close[0]}'?" if close else None
            problems.append((position, f"unknown question '{node.key}'", hint))
        elif isinstance(node, Current) and not allow_current:
            problems.append(
                (node.position, "'.' (this question's own answer) is not allowed here", None)
            )
    if problems:
        position, message, hint = min(problems, key=lambda problem: problem[0])
        raise ExpressionError(
            f"{message} at position {position}", position, where=where, hint=hint
        )
    return tree


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
