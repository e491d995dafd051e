"""Edits of a survey definition, as pure functions on the schema.

Each function changes the ``surveys.schema.Survey`` it is given (nothing else: no database, no
request) and raises :class:`EditError` with a message an officer can act on when the edit
cannot be made. The designer's views load a draft, call one of these through
``surveys.designer.services.edit_draft`` and save the result.

Renaming a key (a question, a matrix row) rewrites every ``${old}`` reference in the draft's
expressions (section and question relevance, constraints, calculations) and in its scores, so
a rename never leaves a dangling reference. Deleting something that other expressions refer to
is refused, naming the places that refer to it.

Messages are in the language of the page that asks (Flask-Babel; English outside a request).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from surveys.expressions import ExpressionError, Options, check, parse
from surveys.expressions.tree import Ref, walk
from surveys.schema import (
    KEY_PATTERN,
    LANGUAGES,
    NUMERIC,
    RESERVED_KEYS,
    WITH_CHOICES,
    Choice,
    ChoiceList,
    MatrixItem,
    Question,
    QuestionType,
    Section,
    Survey,
    Text,
)
from surveys.validation import answer_options, place_name, question_options


@dataclass(frozen=True)
class FieldProblem:
    """One reason an edit is refused; ``field`` names the form field at fault (None: the edit)."""

    message: str
    field: str | None = None
    position: int | None = None  # where in ``expression`` the problem is
    expression: str | None = None


class EditError(ValueError):
    """An edit the survey definition refuses; ``problems`` says why, field by field."""

    def __init__(self, problems: str | Iterable[FieldProblem], field: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [FieldProblem(problems, field)]
        self.problems: list[FieldProblem] = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @property
    def message(self) -> str:
        return str(self)


class NotInSurvey(EditError, LookupError):
    """The section, question or choice list named does not exist in the draft."""


#: NaN and Infinity are refused as limits and scores: they mean nothing there, and strict JSON
#: (what a published definition is stored as) cannot hold them.
NOT_FINITE = _l("Enter a number (NaN and Infinity are not numbers here).")


# --- keys ------------------------------------------------------------------------------------

KEY_RULE = _l("A key starts with a letter or _ and holds only letters, digits and _ (at most "
              "64).")
#: What ``check_key`` says, by what the key names: (not valid, reserved, already used).
_KEY_MESSAGES = {
    "key": (_l("%(key)s is not a valid key."), _l("%(key)s is reserved; choose another key."),
            _l("The key %(key)s is already used in this survey; keys must be unique.")),
    "section key": (
        _l("%(key)s is not a valid section key."),
        _l("%(key)s is reserved; choose another section key."),
        _l("The section key %(key)s is already used in this survey; keys must be unique.")),
    "row key": (
        _l("%(key)s is not a valid row key."),
        _l("%(key)s is reserved; choose another row key."),
        _l("The row key %(key)s is already used in this survey; keys must be unique.")),
    "list name": (
        _l("%(key)s is not a valid list name."),
        _l("%(key)s is reserved; choose another list name."),
        _l("The list name %(key)s is already used in this survey; keys must be unique.")),
}


def answer_keys(survey: Survey) -> set[str]:
    """Every key that answers or scores are stored under (matrix rows included)."""
    keys = {q.key for q in survey.questions()}
    keys |= {item.key for q in survey.questions() for item in q.items}
    keys |= {score.key for score in survey.scores}
    return keys


def check_key(key: str, taken: Iterable[str], what: str = "key", field: str = "key") -> None:
    """Refuse a key that is malformed, reserved or already in ``taken``.

    Raises:
        EditError: naming ``field``.
    """
    invalid, reserved, used = _KEY_MESSAGES[what]
    if not KEY_PATTERN.match(key or ""):
        raise EditError(f"{KEY_RULE} {invalid % {'key': repr(key)}}", field)
    if key in RESERVED_KEYS:
        raise EditError(reserved % {"key": repr(key)}, field)
    if key in set(taken):
        raise EditError(used % {"key": repr(key)}, field)


def next_key(taken: Iterable[str], prefix: str = "q") -> str:
    """The first of ``prefix1``, ``prefix2`` ... not in ``taken``."""
    used = set(taken)
    n = 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


# --- finding ---------------------------------------------------------------------------------

def find_section(survey: Survey, key: str) -> Section:
    """Raises NotInSurvey."""
    for section in survey.sections:
        if section.key == key:
            return section
    raise NotInSurvey(_("There is no section %(key)s in this survey.", key=repr(key)))


def find_question(survey: Survey, key: str) -> tuple[Section, Question]:
    """The question ``key`` and its section. Raises NotInSurvey."""
    for section in survey.sections:
        for question in section.questions:
            if question.key == key:
                return section, question
    raise NotInSurvey(_("There is no question %(key)s in this survey.", key=repr(key)))


def find_list(survey: Survey, name: str) -> ChoiceList:
    """Raises NotInSurvey."""
    try:
        return survey.choice_lists[name]
    except KeyError:
        raise NotInSurvey(_("There is no choice list %(name)s in this survey.",
                            name=repr(name))) from None


def owner_of(survey: Survey, answer_key: str) -> Question | None:
    """The question an answer key belongs to (itself, or the matrix holding that row)."""
    for question in survey.questions():
        if question.key == answer_key or any(i.key == answer_key for i in question.items):
            return question
    return None


# --- expressions and references --------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """Where an expression sits: ``what`` names it as validation does (``"question 'age',
    relevant"``; ``place_name`` says it for people), ``attr`` the attribute on ``owner``."""

    what: str
    owner: Section | Question
    attr: str


def expression_places(survey: Survey) -> Iterator[Place]:
    for section in survey.sections:
        if section.relevant:
            yield Place(f"section '{section.key}', relevant", section, "relevant")
        for q in section.questions:
            for attr in ("relevant", "constraint", "calculation"):
                if getattr(q, attr):
                    yield Place(f"question '{q.key}', {attr}", q, attr)


def _refs(text: str) -> list[tuple[int, str]]:
    """(position of ``$``, key) of each reference in ``text``; a text that does not parse is
    read with a plain pattern so that a rename still reaches it."""
    try:
        tree = parse(text)
    except ExpressionError:
        return [(m.start(), m.group(1)) for m in re.finditer(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text)]
    return sorted((node.position, node.key) for node in walk(tree) if isinstance(node, Ref))


def rewrite_references(text: str, renames: dict[str, str]) -> str:
    """``text`` with every ``${old}`` of ``renames`` written ``${new}`` (string literals kept)."""
    out = text
    for position, key in reversed(_refs(text)):
        if key in renames:
            out = out[:position] + "${" + renames[key] + "}" + out[position + len(key) + 3:]
    return out


def referring_places(survey: Survey, keys: set[str], *, outside: Iterable[str] = ()) -> list[str]:
    """The places (expressions, scores) that refer to any of ``keys``, except in the questions
    and sections named in ``outside`` (what is being deleted along with them), for people."""
    skip = set(outside)
    found = []
    for place in expression_places(survey):
        owner_key = place.owner.key
        if owner_key in skip:
            continue
        if keys & {key for _, key in _refs(getattr(place.owner, place.attr))}:
            found.append(place_name(place.what))
    for score in survey.scores:
        if keys & set(score.items):
            found.append(place_name(f"score '{score.key}'"))
    return found


def _rename_everywhere(survey: Survey, renames: dict[str, str]) -> None:
    renames = {old: new for old, new in renames.items() if old != new}
    if not renames:
        return
    for place in expression_places(survey):
        setattr(place.owner, place.attr, rewrite_references(getattr(place.owner, place.attr),
                                                             renames))
    for score in survey.scores:
        score.items = [renames.get(item, item) for item in score.items]


def check_expression(text: str, keys: Iterable[str], *, allow_current: bool, where: str,
                     field: str, options: Mapping[str, Options] | None = None,
                     current: str | None = None) -> FieldProblem | None:
    """None when ``text`` is a usable expression here, else the problem with its position.

    ``options`` (answer key -> its values) and ``current`` (the key ``.`` stands for) let the
    check refuse a value that a question's choice list does not have.
    """
    try:
        check(text, set(keys), allow_current=allow_current, where=where, options=options,
              current=current)
    except ExpressionError as exc:
        message = exc.message + (f" ({exc.hint})" if exc.hint else "")
        return FieldProblem(message, field, exc.position, text)
    return None


# --- sections --------------------------------------------------------------------------------

def add_section(survey: Survey, title: Text | None = None, key: str | None = None) -> Section:
    """Append a new section (a page); its key defaults to ``section1``, ``section2`` ...

    Raises:
        EditError: the key is malformed or taken.
    """
    taken = {s.key for s in survey.sections}
    key = key or next_key(taken, "section")
    check_key(key, taken, "section key")
    section = Section(key=key, title=_clean_text(title or {}))
    survey.sections.append(section)
    return section


def update_section(survey: Survey, key: str, *, new_key: str, title: Text,
                   relevant: str | None) -> Section:
    """Change a section's key, title and relevance.

    Raises:
        NotInSurvey: no such section.
        EditError: the new key is malformed or taken, or the relevance does not parse or
            refers to an unknown question.
    """
    section = find_section(survey, key)
    problems = []
    if new_key != key:
        try:
            check_key(new_key, {s.key for s in survey.sections if s is not section},
                      "section key")
        except EditError as exc:
            problems += exc.problems
    relevant = (relevant or "").strip() or None
    if relevant:
        problem = check_expression(relevant, survey.answer_keys(), allow_current=False,
                                   where=f"section '{new_key}', relevant", field="relevant",
                                   options=answer_options(survey))
        if problem:
            problems.append(problem)
    if problems:
        raise EditError(problems)
    section.key = new_key
    section.title = _clean_text(title)
    section.relevant = relevant
    return section


def move_section(survey: Survey, key: str, offset: int) -> None:
    """Move a section ``offset`` places (-1 up, +1 down); at either end it stays.

    Raises NotInSurvey.
    """
    section = find_section(survey, key)
    index = survey.sections.index(section)
    target = max(0, min(len(survey.sections) - 1, index + offset))
    survey.sections.insert(target, survey.sections.pop(index))


def delete_section(survey: Survey, key: str) -> Section:
    """Delete a section with its questions.

    Raises:
        NotInSurvey: no such section.
        EditError: questions elsewhere (or scores) refer to its questions.
    """
    section = find_section(survey, key)
    keys = {k for q in section.questions for k in q.answer_keys()} | {
        q.key for q in section.questions}
    places = referring_places(survey, keys, outside=[q.key for q in section.questions])
    if places:
        raise EditError(_("The section's questions are used by %(places)s; change those first.",
                          places=", ".join(places)))
    survey.sections.remove(section)
    return section


# --- questions -------------------------------------------------------------------------------

def add_question(survey: Survey, section_key: str, qtype: QuestionType | str,
                 key: str | None = None) -> Question:
    """Append a new question of ``qtype`` to a section; its key defaults to ``q1``, ``q2`` ...

    Raises:
        NotInSurvey: no such section.
        EditError: the key is malformed or taken.
    """
    section = find_section(survey, section_key)
    qtype = QuestionType(qtype)
    taken = answer_keys(survey)
    key = key or next_key(taken)
    check_key(key, taken)
    question = Question(key=key, type=qtype)
    if qtype == QuestionType.matrix:
        question.items = [MatrixItem(key=next_key(taken | {key}, f"{key}_"))]
    section.questions.append(question)
    return question


def move_question(survey: Survey, key: str, offset: int) -> None:
    """Move a question ``offset`` places; past the top or bottom of its section it goes to the
    end of the previous section or the start of the next one.

    Raises NotInSurvey.
    """
    section, question = find_question(survey, key)
    index = section.questions.index(question)
    target = index + offset
    s_index = survey.sections.index(section)
    if 0 <= target < len(section.questions):
        section.questions.insert(target, section.questions.pop(index))
    elif target < 0 and s_index > 0:
        section.questions.pop(index)
        survey.sections[s_index - 1].questions.append(question)
    elif target >= len(section.questions) and s_index < len(survey.sections) - 1:
        section.questions.pop(index)
        survey.sections[s_index + 1].questions.insert(0, question)


def delete_question(survey: Survey, key: str) -> Question:
    """Delete a question.

    Raises:
        NotInSurvey: no such question.
        EditError: other questions or scores refer to it.
    """
    section, question = find_question(survey, key)
    keys = {question.key, *question.answer_keys()}
    places = referring_places(survey, keys, outside=[question.key])
    if places:
        raise EditError(_("%(key)s is used by %(places)s; change those first.", key=repr(key),
                          places=", ".join(places)))
    section.questions.remove(question)
    return question


def rename_question(survey: Survey, old: str, new: str) -> None:
    """Rename a question key and rewrite every reference to it.

    Raises:
        NotInSurvey: no such question.
        EditError: the new key is malformed, reserved or taken.
    """
    question = find_question(survey, old)[1]
    if new == old:
        return
    check_key(new, answer_keys(survey) - {old})
    question.key = new
    _rename_everywhere(survey, {old: new})


@dataclass
class RowEdit:
    """A matrix row as the form sends it; ``original`` is its key before the edit (None: new)."""

    key: str
    label: Text = field(default_factory=dict)
    reverse: bool = False
    original: str | None = None


@dataclass
class QuestionEdit:
    """Everything the question form edits."""

    key: str
    type: QuestionType
    label: Text = field(default_factory=dict)
    hint: Text = field(default_factory=dict)
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Text = field(default_factory=dict)
    choices: str | None = None
    new_list: str | None = None  # create a list of this name and use it
    calculation: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    reverse: bool = False
    rows: list[RowEdit] = field(default_factory=list)


def update_question(survey: Survey, key: str, edit: QuestionEdit) -> Question:
    """Apply the question form to question ``key``; every problem is reported at once.

    Properties that the new type does not use are cleared (options of a text question, the
    range of a select ...). Renamed keys (the question's or a matrix row's) are rewritten in
    every expression and score of the survey. Blank matrix rows are dropped; a row with a label
    but no key gets one.

    Raises:
        NotInSurvey: no such question.
        EditError: duplicate or malformed keys, an expression that does not parse, refers to
            an unknown question or compares one with a value its options do not have (with
            its position), a missing choice list, a bad range (NaN or Infinity included).
    """
    question = find_question(survey, key)[1]
    qtype = QuestionType(edit.type)
    problems: list[FieldProblem] = []
    others = answer_keys(survey) - {question.key} - {i.key for i in question.items}
    new_key = (edit.key or "").strip()
    try:
        check_key(new_key, others)
    except EditError as exc:
        problems += exc.problems

    rows: list[RowEdit] = []
    if qtype == QuestionType.matrix:
        taken = others | {new_key}
        for index, row in enumerate(edit.rows):
            row_key = (row.key or "").strip()
            if not row_key and not any((v or "").strip() for v in row.label.values()):
                if row.original:
                    problems.append(FieldProblem(_("Give the row a key (or remove the row)."),
                                                 f"rows-{index}-key"))
                continue
            if not row_key:
                row_key = next_key(taken, f"{new_key}_")
            try:
                check_key(row_key, taken, "row key")
            except EditError as exc:
                problems += [FieldProblem(p.message, f"rows-{index}-key") for p in exc.problems]
            taken = taken | {row_key}
            rows.append(RowEdit(row_key, _clean_text(row.label), row.reverse, row.original))

    renames = {question.key: new_key} if new_key != question.key else {}
    renames |= {row.original: row.key for row in rows if row.original and row.original != row.key}
    gone = {i.key for i in question.items} - {row.original for row in rows}
    if gone:
        places = referring_places(survey, gone)
        if places:
            problems.append(FieldProblem(_("The rows %(keys)s are used by %(places)s; change "
                                           "those first.", keys=", ".join(sorted(gone)),
                                           places=", ".join(places)), "rows"))

    # Expressions are checked against the keys as they will be after the edit.
    keys_after = (others | {new_key} | {row.key for row in rows}) - {s.key for s in survey.scores}
    where = f"question '{new_key}'"
    relevant = _expr(edit.relevant)
    constraint = _expr(edit.constraint) if qtype not in (QuestionType.note,
                                                         QuestionType.calculate) else None
    calculation = _expr(edit.calculation) if qtype == QuestionType.calculate else None
    # The options too: this question's as the edit leaves it (its type, list and rows).
    own_keys = {question.key, *(i.key for i in question.items)}
    options = {k: v for k, v in answer_options(survey).items() if k not in own_keys}
    options |= question_options(survey, Question(
        key=new_key, type=qtype,
        choices=None if (edit.new_list or "").strip() else (edit.choices or "").strip() or None,
        items=[MatrixItem(key=row.key) for row in rows]))
    for name, text, allow_current in (("relevant", relevant, False),
                                      ("constraint", constraint, True),
                                      ("calculation", calculation, False)):
        if text:
            problem = check_expression(text, keys_after, allow_current=allow_current,
                                       where=f"{where}, {name}", field=name, options=options,
                                       current=new_key)
            if problem:
                problems.append(problem)
            elif name == "relevant" and new_key in _ref_keys(text):
                problems.append(FieldProblem(_("A question cannot depend on itself."), name))
    if qtype == QuestionType.calculate and not calculation:
        problems.append(FieldProblem(_("A calculated value needs a calculation."),
                                     "calculation"))

    choices = None
    new_list = (edit.new_list or "").strip() or None
    if qtype in WITH_CHOICES:
        if new_list:
            try:
                check_key(new_list, survey.choice_lists, "list name", "new_list")
            except EditError as exc:
                problems += exc.problems
            choices = new_list
        else:
            choices = (edit.choices or "").strip() or None
            if choices and choices not in survey.choice_lists:
                problems.append(FieldProblem(_("There is no choice list %(name)s.",
                                               name=repr(choices)), "choices"))
    minimum = edit.minimum if qtype in NUMERIC else None
    maximum = edit.maximum if qtype in NUMERIC else None
    if minimum is not None and maximum is not None and minimum > maximum:
        problems.append(FieldProblem(_("The minimum is larger than the maximum."), "minimum"))
    for name, value in (("minimum", minimum), ("maximum", maximum)):
        if value is None:
            continue
        if not math.isfinite(value):
            problems.append(FieldProblem(str(NOT_FINITE), name))
        elif qtype == QuestionType.integer and value != int(value):
            problems.append(FieldProblem(_("A whole-number question needs a whole-number "
                                           "limit."), name))
    if problems:
        raise EditError(problems)

    if new_list:
        survey.choice_lists[new_list] = ChoiceList(new_list)
    if renames:
        _rename_everywhere(survey, renames)
    question.key = new_key
    question.type = qtype
    question.label = _clean_text(edit.label)
    question.hint = _clean_text(edit.hint) if qtype != QuestionType.calculate else {}
    question.required = bool(edit.required) and qtype not in (QuestionType.note,
                                                               QuestionType.calculate)
    question.relevant = relevant
    question.constraint = constraint
    question.constraint_message = _clean_text(edit.constraint_message) if constraint else {}
    question.choices = choices
    question.calculation = calculation
    question.minimum = minimum
    question.maximum = maximum
    question.reverse = bool(edit.reverse) and qtype == QuestionType.likert
    # A row keeps whatever the form does not edit (its own "required").
    before = {item.key: item for item in question.items}
    question.items = [
        MatrixItem(key=row.key, label=row.label, reverse=row.reverse,
                   required=before[row.original].required if row.original in before else None)
        for row in rows]
    return question


def _ref_keys(text: str) -> set[str]:
    return {key for _, key in _refs(text)}


def _expr(text: str | None) -> str | None:
    return (text or "").strip() or None


# --- choice lists ----------------------------------------------------------------------------

@dataclass
class ChoiceEdit:
    """An option as the list form sends it; blank rows are ignored."""

    value: str
    label: Text = field(default_factory=dict)
    score: float | None = None


def add_choice_list(survey: Survey, name: str) -> ChoiceList:
    """Create an empty choice list.

    Raises EditError: the name is malformed or taken.
    """
    check_key(name, survey.choice_lists, "list name", "name")
    survey.choice_lists[name] = ChoiceList(name)
    return survey.choice_lists[name]


def update_choice_list(survey: Survey, name: str, new_name: str,
                       rows: list[ChoiceEdit]) -> ChoiceList:
    """Rename a list (the questions using it follow) and replace its options in order.

    Blank rows are dropped; a row with a label but no value gets the next free number. Changing
    an option's value does not rewrite expressions such as ``selected(${q}, 'old')``: the
    survey's validation lists the problems to fix before publishing.

    Raises:
        NotInSurvey: no such list.
        EditError: the new name is malformed or taken; a value is repeated or holds spaces;
            a score is NaN or Infinity.
    """
    choice_list = find_list(survey, name)
    new_name = (new_name or "").strip()
    problems: list[FieldProblem] = []
    if new_name != name:
        try:
            check_key(new_name, set(survey.choice_lists) - {name}, "list name", "name")
        except EditError as exc:
            problems += exc.problems
    kept: list[tuple[int, ChoiceEdit]] = []
    for index, row in enumerate(rows):
        value = (row.value or "").strip()
        if not value and not any((v or "").strip() for v in row.label.values()) \
                and row.score is None:
            continue
        kept.append((index, ChoiceEdit(value, _clean_text(row.label), row.score)))
    used = {row.value for _, row in kept if row.value}
    numbers = (str(n) for n in range(1, 10_000) if str(n) not in used)
    seen: set[str] = set()
    for index, row in kept:
        if not row.value:
            row.value = next(numbers)
        if any(ch.isspace() for ch in row.value):
            problems.append(FieldProblem(_("A value cannot hold spaces (answers to a "
                                           "multiple choice are stored space-separated)."),
                                         f"rows-{index}-value"))
        elif row.value in seen:
            problems.append(FieldProblem(_("The value %(value)s is used twice in this list.",
                                           value=repr(row.value)), f"rows-{index}-value"))
        seen.add(row.value)
        if row.score is not None and not math.isfinite(row.score):
            problems.append(FieldProblem(str(NOT_FINITE), f"rows-{index}-score"))
    if problems:
        raise EditError(problems)
    choice_list.choices = [Choice(row.value, row.label, row.score) for _, row in kept]
    if new_name != name:
        del survey.choice_lists[name]
        choice_list.name = new_name
        survey.choice_lists[new_name] = choice_list
        for question in survey.questions():
            if question.choices == name:
                question.choices = new_name
    return choice_list


def delete_choice_list(survey: Survey, name: str) -> ChoiceList:
    """Raises NotInSurvey, or EditError when questions use the list."""
    choice_list = find_list(survey, name)
    users = [q.key for q in survey.questions() if q.choices == name]
    if users:
        raise EditError(_("The list %(name)s is used by %(keys)s; choose another list there "
                          "first.", name=repr(name), keys=", ".join(users)))
    del survey.choice_lists[name]
    return choice_list


def lists_in_use(survey: Survey) -> dict[str, list[str]]:
    """List name -> the keys of the questions using it."""
    out: dict[str, list[str]] = {name: [] for name in survey.choice_lists}
    for question in survey.questions():
        if question.choices in out:
            out[question.choices].append(question.key)
    return out


# --- settings --------------------------------------------------------------------------------

def update_settings(survey: Survey, *, title: Text, description: Text, audience: str,
                    languages: list[str], default_language: str, allow_fallback: bool) -> None:
    """Raises EditError: no language, or a default language that is not one of them."""
    problems = []
    languages = [lang for lang in LANGUAGES if lang in languages]
    if not languages:
        problems.append(FieldProblem(_("Choose at least one language."), "languages"))
    elif default_language not in languages:
        problems.append(FieldProblem(_("The default language must be one of the survey's "
                                       "languages."), "default_language"))
    if not any(v.strip() for v in title.values()):
        problems.append(FieldProblem(_("Give the survey a title in at least one language."),
                                     f"title_{default_language}"))
    if problems:
        raise EditError(problems)
    survey.title = _clean_text(title)
    survey.description = _clean_text(description)
    survey.audience = audience  # type: ignore[assignment]
    survey.__post_init__()
    survey.languages = languages
    survey.default_language = default_language
    survey.allow_fallback = allow_fallback


# --- translations ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TextSlot:
    """One translatable text of a survey: ``path`` identifies it, ``text`` is the live dict in
    the schema (so setting it changes the survey), ``needed`` says the respondent sees it;
    ``group`` and ``what`` name it for people, in the page's language."""

    path: str
    group: str
    what: str
    text: Text
    needed: bool


def text_slots(survey: Survey) -> list[TextSlot]:
    """Every text of the survey in form order: title, description, sections, questions (label,
    hint, constraint message, matrix rows), choice lists, scores."""
    survey_group = _("Survey")
    slots = [TextSlot("title", survey_group, _("Title"), survey.title, True),
             TextSlot("description", survey_group, _("Description"), survey.description,
                      False)]
    for section in survey.sections:
        group = _("Section %(key)s", key=section.key)
        slots.append(TextSlot(f"section.{section.key}.title", group, _("Section title"),
                              section.title, True))
        for q in section.questions:
            if q.type == QuestionType.calculate:
                slots.append(TextSlot(f"q.{q.key}.label", group,
                                      _("%(key)s: label (not shown)", key=q.key), q.label,
                                      False))
                continue
            slots.append(TextSlot(f"q.{q.key}.label", group, _("%(key)s: label", key=q.key),
                                  q.label, q.type != QuestionType.matrix))
            slots.append(TextSlot(f"q.{q.key}.hint", group, _("%(key)s: hint", key=q.key),
                                  q.hint, False))
            if q.constraint:
                slots.append(TextSlot(f"q.{q.key}.constraint_message", group,
                                      _("%(key)s: constraint message", key=q.key),
                                      q.constraint_message, False))
            for item in q.items:
                slots.append(TextSlot(f"q.{q.key}.row.{item.key}", group,
                                      _("%(key)s: row %(row)s", key=q.key, row=item.key),
                                      item.label, True))
    for name, choice_list in survey.choice_lists.items():
        for index, choice in enumerate(choice_list.choices):
            slots.append(TextSlot(f"list.{name}.{index}", _("Choice list %(name)s", name=name),
                                  _("option %(value)s", value=choice.value), choice.label,
                                  True))
    for score in survey.scores:
        slots.append(TextSlot(f"score.{score.key}", _("Scores"),
                              _("%(key)s: label", key=score.key), score.label, False))
    return slots


def apply_texts(survey: Survey, texts: dict[str, Text]) -> int:
    """Set texts by path (as ``text_slots`` names them); returns how many changed. Languages
    not given are left alone; an empty text removes that language.

    Raises EditError: a path that is not a text of this survey.
    """
    slots = {slot.path: slot for slot in text_slots(survey)}
    unknown = sorted(set(texts) - set(slots))
    if unknown:
        raise EditError(_("These texts are not in the survey any more: %(paths)s. Reload the "
                          "page.", paths=", ".join(unknown)))
    changed = 0
    for path, text in texts.items():
        target = slots[path].text
        for lang, value in text.items():
            value = _clean_line_ends(value or "")
            if value == (target.get(lang) or ""):
                continue
            changed += 1
            if value:
                target[lang] = value
            else:
                target.pop(lang, None)
    return changed


def missing_languages(survey: Survey, slot: TextSlot) -> set[str]:
    """The survey's languages in which ``slot`` is empty while it is needed or written in
    another language (what the translations page highlights)."""
    filled = {lang for lang in survey.languages if (slot.text.get(lang) or "").strip()}
    if not filled and not slot.needed:
        return set()
    return set(survey.languages) - filled


def _clean_line_ends(value: str) -> str:
    """Browsers send the lines of a text area ending in CR LF; the schema keeps LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _clean_text(text: Text) -> Text:
    return {lang: _clean_line_ends(value) for lang, value in text.items()
            if lang in LANGUAGES and value and value.strip()}

