"""The one survey schema: plain dataclasses that the designer edits, XLSForm imports into and
exports from, the respondent form is built from, the codebook is written from and analysis reads
variable names and scoring rules from.

Written here rather than borrowed from a form library because it is the product's own contract:
question keys are stable across versions (answers are stored and analysed by key), texts are kept
per language (uk, ru, en), and scoring rules travel with the instrument.

A survey is stored as JSON (``to_dict``/``from_dict``) inside a ``SurveyVersion`` row.
"""

from __future__ import annotations

import copy
import enum
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any

LANGUAGES: tuple[str, ...] = ("uk", "ru", "en")
LANGUAGE_NAMES = {"uk": "Українська", "ru": "Русский", "en": "English"}
KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
#: Keys the respondent form and the answer tables use for themselves.
RESERVED_KEYS = frozenset({"csrf_token", "submit", "action", "language", "page"})

Text = dict[str, str]
"""A text per language code; missing languages fall back (see ``Survey.text``)."""


class QuestionType(enum.StrEnum):
    text = "text"
    long_text = "long_text"
    integer = "integer"
    decimal = "decimal"
    date = "date"
    yes_no = "yes_no"
    select_one = "select_one"
    select_multiple = "select_multiple"
    likert = "likert"
    matrix = "matrix"
    note = "note"
    calculate = "calculate"


#: Types whose answers are stored (a note shows text only).
ANSWERED = frozenset(QuestionType) - {QuestionType.note}
#: Types that take their options from a choice list.
WITH_CHOICES = frozenset({QuestionType.select_one, QuestionType.select_multiple,
                          QuestionType.likert, QuestionType.matrix})
NUMERIC = frozenset({QuestionType.integer, QuestionType.decimal})
YES_NO_VALUES = ("yes", "no")


class Audience(enum.StrEnum):
    person = "person"
    provider = "provider"
    officer = "officer"


@dataclass
class Choice:
    """One option of a choice list; ``score`` is what scoring and analysis use (Likert)."""

    value: str
    label: Text = field(default_factory=dict)
    score: float | None = None


@dataclass
class ChoiceList:
    name: str
    choices: list[Choice] = field(default_factory=list)

    def values(self) -> list[str]:
        return [c.value for c in self.choices]

    def get(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    def score_range(self) -> tuple[float, float] | None:
        """(lowest, highest) score, or None when the list carries no scores."""
        scores = [c.score for c in self.choices if c.score is not None]
        return (min(scores), max(scores)) if scores else None


@dataclass
class MatrixItem:
    """One row of a matrix question: its own answer key, label and reverse-coding."""

    key: str
    label: Text = field(default_factory=dict)
    reverse: bool = False
    required: bool | None = None  # None: as the matrix question says


@dataclass
class Question:
    key: str
    type: QuestionType
    label: Text = field(default_factory=dict)
    hint: Text = field(default_factory=dict)
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Text = field(default_factory=dict)
    choices: str | None = None  # the name of a ChoiceList
    calculation: str | None = None
    minimum: float | None = None  # integer/decimal range, inclusive
    maximum: float | None = None
    reverse: bool = False  # likert: reverse-coded item
    items: list[MatrixItem] = field(default_factory=list)  # matrix rows

    def __post_init__(self) -> None:
        self.type = QuestionType(self.type)

    def answer_keys(self) -> list[str]:
        """The keys under which this question's answers are stored."""
        if self.type == QuestionType.note:
            return []
        if self.type == QuestionType.matrix:
            return [item.key for item in self.items]
        return [self.key]


@dataclass
class Section:
    """A page of the respondent's form."""

    key: str
    title: Text = field(default_factory=dict)
    relevant: str | None = None
    questions: list[Question] = field(default_factory=list)


class ScoreMethod(enum.StrEnum):
    sum = "sum"
    mean = "mean"


@dataclass
class Score:
    """A scale score computed from item scores (reverse-coded items flipped on their scale).

    ``value = (sum or mean of item scores) * multiplier + offset``; missing when fewer than
    ``min_items`` items are answered (default: all). For a mean, the mean of answered items is
    used, the usual rule for scales that tolerate a missing item.
    """

    key: str
    label: Text = field(default_factory=dict)
    items: list[str] = field(default_factory=list)
    method: ScoreMethod = ScoreMethod.sum
    multiplier: float = 1.0
    offset: float = 0.0
    min_items: int | None = None

    def __post_init__(self) -> None:
        self.method = ScoreMethod(self.method)


@dataclass
class Survey:
    title: Text
    audience: Audience = Audience.person
    languages: list[str] = field(default_factory=lambda: list(LANGUAGES))
    default_language: str = "uk"
    #: When false, publishing needs every text in every language; when true, missing texts fall
    #: back to the default language and publishing only warns.
    allow_fallback: bool = False
    description: Text = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    choice_lists: dict[str, ChoiceList] = field(default_factory=dict)
    scores: list[Score] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.audience = Audience(self.audience)

    # --- reading -------------------------------------------------------------------------

    def questions(self) -> Iterator[Question]:
        for section in self.sections:
            yield from section.questions

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions() if q.key == key), None)

    def answer_keys(self) -> list[str]:
        """Every key an answer can be stored under, in form order (matrix rows expanded)."""
        return [k for q in self.questions() for k in q.answer_keys()]

    def section_of(self, key: str) -> Section | None:
        return next((s for s in self.sections if any(q.key == key for q in s.questions)), None)

    def choice_list(self, question: Question) -> ChoiceList | None:
        return self.choice_lists.get(question.choices) if question.choices else None

    def text(self, text: Text, language: str) -> str:
        """``text`` in ``language``, falling back to the default language, then any."""
        return text.get(language) or text.get(self.default_language) or next(
            (v for v in text.values() if v), "")

    # --- serialising ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; enums become strings, empty optional parts are kept explicit."""
        data = asdict(self)
        data["choice_lists"] = {name: asdict(cl) for name, cl in self.choice_lists.items()}
        return _plain(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Survey:
        """Build a survey from ``to_dict`` output. Raises SchemaError on a malformed document.

        The input is copied first: the survey must never share a label dict or a list with the
        document it came from (a stored definition, another survey), or editing one edits both.
        """
        data = copy.deepcopy(data)
        try:
            sections = [
                Section(**{**_only(Section, s), "questions": [
                    Question(**{**_only(Question, q),
                                "items": [MatrixItem(**_only(MatrixItem, i))
                                          for i in q.get("items", [])]})
                    for q in s.get("questions", [])]})
                for s in data.get("sections", [])
            ]
            lists = {name: ChoiceList(name=name, choices=[Choice(**_only(Choice, c))
                                                          for c in cl.get("choices", [])])
                     for name, cl in data.get("choice_lists", {}).items()}
            scores = [Score(**_only(Score, s)) for s in data.get("scores", [])]
            top = {k: v for k, v in _only(cls, data).items()
                   if k not in ("sections", "choice_lists", "scores")}
            return cls(**top, sections=sections, choice_lists=lists, scores=scores)
        except (TypeError, ValueError, AttributeError) as exc:
            raise SchemaError(f"Not a survey definition: {exc}") from exc


class SchemaError(ValueError):
    """A survey definition that cannot be read."""


def _only(cls, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise TypeError(f"unknown field(s) {', '.join(sorted(unknown))} for {cls.__name__}")
    return {k: v for k, v in data.items() if k in names}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
