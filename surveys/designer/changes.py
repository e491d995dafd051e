"""What publishing a draft changes from the survey's last published version.

The page that asks an officer to confirm publishing lists it: pages (sections) added, removed
and changed, questions added, removed and changed, and the survey's own settings. A question
changes when anything its respondents see or its answers depend on does: its type, label and
hint per language, whether it is required, its relevance, constraint and message, its range,
calculation and reverse coding, its page, its choice list and that list's options (added,
removed, relabelled, rescored, reordered), its matrix rows. Keys are what stay the same across
versions, so everything is matched by key.

Pure functions on the schema: no database, no request. What changed is named in the language
of the page that asks (English outside a request).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from surveys.designer.forms import AUDIENCES, TYPE_LABELS
from surveys.schema import (
    LANGUAGES,
    ChoiceList,
    Question,
    QuestionType,
    Score,
    Section,
    Survey,
    Text,
)


@dataclass(frozen=True)
class Change:
    """One difference: ``what`` was ``before`` and becomes ``after``; None where it was not
    there before (added) or is not there any more (removed)."""

    what: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ItemChanges:
    """A section or a question, by key: its text (title or label) and what changed in it."""

    key: str
    text: str
    section: str | None = None  # the section a question is on
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Changes:
    """Everything a publication changes; ``first`` when nothing was published before."""

    first: bool
    sections_added: tuple[ItemChanges, ...] = ()
    sections_removed: tuple[ItemChanges, ...] = ()
    sections_changed: tuple[ItemChanges, ...] = ()
    questions_added: tuple[ItemChanges, ...] = ()
    questions_removed: tuple[ItemChanges, ...] = ()
    questions_changed: tuple[ItemChanges, ...] = ()
    settings: tuple[Change, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing changes from the published version (never so for a first publication)."""
        return not self.first and not (self.sections_added or self.sections_removed or self.sections_changed
                    or self.questions_added or self.questions_removed
                    or self.questions_changed or self.settings)


def compare(published: Survey | None, draft: Survey) -> Changes:
    """What publishing ``draft`` changes from ``published`` (None: the first publication)."""
    if published is None:
        return Changes(first=True)
    old_sections = {s.key: s for s in published.sections}
    new_sections = {s.key: s for s in draft.sections}
    old_questions = {q.key: (s, q) for s in published.sections for q in s.questions}
    new_questions = {q.key: (s, q) for s in draft.sections for q in s.questions}

    sections_changed = []
    for key, section in new_sections.items():
        if key in old_sections:
            found = tuple(_section_changes(old_sections[key], section))
            if found:
                sections_changed.append(_item(draft, section, found))
    questions_changed = []
    for key, (section, question) in new_questions.items():
        if key in old_questions:
            old_section, old_question = old_questions[key]
            found = tuple(_question_changes(published, old_section, old_question, draft,
                                            section, question))
            if found:
                questions_changed.append(_item(draft, question, found, section))
    return Changes(
        first=False,
        sections_added=tuple(_item(draft, s) for k, s in new_sections.items()
                             if k not in old_sections),
        sections_removed=tuple(_item(published, s) for k, s in old_sections.items()
                               if k not in new_sections),
        sections_changed=tuple(sections_changed),
        questions_added=tuple(_item(draft, q, section=s) for k, (s, q) in new_questions.items()
                              if k not in old_questions),
        questions_removed=tuple(_item(published, q, section=s)
                                for k, (s, q) in old_questions.items() if k not in new_questions),
        questions_changed=tuple(questions_changed),
        settings=tuple(_settings_changes(published, draft)),
    )


def _item(survey: Survey, item: Section | Question, changes: tuple[Change, ...] = (),
          section: Section | None = None) -> ItemChanges:
    text = survey.text(item.title if isinstance(item, Section) else item.label,
                       survey.default_language)
    return ItemChanges(item.key, text, section.key if section else None, changes)


def _texts(what: str, before: Text, after: Text) -> Iterator[Change]:
    """A change per language whose text differs, e.g. ``label (uk)``."""
    for lang in LANGUAGES:
        old, new = before.get(lang) or None, after.get(lang) or None
        if old != new:
            yield Change(f"{what} ({lang})", old, new)


def _value(what: str, before: object, after: object) -> Iterator[Change]:
    if before != after:
        yield Change(what, _shown(before), _shown(after))


def _shown(value: object) -> str | None:
    """A value as the page shows it; None for nothing (no expression, no limit)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, QuestionType):
        return str(TYPE_LABELS.get(value, value.value))
    return str(value)


def _section_changes(old: Section, new: Section) -> Iterator[Change]:
    yield from _texts(_("title"), old.title, new.title)
    yield from _value(_("shown only if"), old.relevant, new.relevant)


def _question_changes(old_survey: Survey, old_section: Section, old: Question,
                      new_survey: Survey, new_section: Section, new: Question) -> Iterator[Change]:
    yield from _value(_("type"), QuestionType(old.type), QuestionType(new.type))
    yield from _value(_("page"), old_section.key, new_section.key)
    yield from _texts(_("label"), old.label, new.label)
    yield from _texts(_("hint"), old.hint, new.hint)
    yield from _value(_("required"), old.required, new.required)
    yield from _value(_("shown only if"), old.relevant, new.relevant)
    yield from _value(_("accepted only if"), old.constraint, new.constraint)
    yield from _texts(_("message when refused"), old.constraint_message,
                      new.constraint_message)
    yield from _value(_("smallest answer"), old.minimum, new.minimum)
    yield from _value(_("largest answer"), old.maximum, new.maximum)
    yield from _value(_("calculation"), old.calculation, new.calculation)
    yield from _value(_("reverse-coded"), old.reverse, new.reverse)
    yield from _value(_("choice list"), old.choices, new.choices)
    yield from _options(old_survey.choice_list(old), new_survey.choice_list(new))
    yield from _rows(old, new)


def _options(old: ChoiceList | None, new: ChoiceList | None) -> Iterator[Change]:
    """The options a question offers, matched by value (whether or not its list was renamed)."""
    before = {c.value: c for c in old.choices} if old else {}
    after = {c.value: c for c in new.choices} if new else {}
    for value, choice in after.items():
        if value not in before:
            yield Change(_("option '%(value)s'", value=value), None,
                         _any_text(choice.label) or value)
    for value, choice in before.items():
        if value not in after:
            yield Change(_("option '%(value)s'", value=value), _any_text(choice.label) or value,
                         None)
    for value, choice in after.items():
        if value in before:
            yield from _texts(_("option '%(value)s'", value=value), before[value].label,
                              choice.label)
            yield from _value(_("option '%(value)s', score", value=value), before[value].score,
                              choice.score)
    kept_before = [v for v in before if v in after]
    kept_after = [v for v in after if v in before]
    if kept_before != kept_after:
        yield Change(_("order of options"), ", ".join(kept_before), ", ".join(kept_after))


def _rows(old: Question, new: Question) -> Iterator[Change]:
    """A matrix's rows, matched by key."""
    before = {item.key: item for item in old.items}
    after = {item.key: item for item in new.items}
    for key, item in after.items():
        if key not in before:
            yield Change(_("row '%(key)s'", key=key), None, _any_text(item.label) or key)
    for key, item in before.items():
        if key not in after:
            yield Change(_("row '%(key)s'", key=key), _any_text(item.label) or key, None)
    for key, item in after.items():
        if key in before:
            yield from _texts(_("row '%(key)s'", key=key), before[key].label, item.label)
            yield from _value(_("row '%(key)s', reverse-coded", key=key), before[key].reverse,
                              item.reverse)
            yield from _value(_("row '%(key)s', required", key=key), before[key].required,
                              item.required)


def _settings_changes(old: Survey, new: Survey) -> Iterator[Change]:
    yield from _texts(_("survey title"), old.title, new.title)
    yield from _texts(_("description"), old.description, new.description)
    yield from _value(_("who answers it"), str(AUDIENCES.get(old.audience.value,
                                                             old.audience.value)),
                      str(AUDIENCES.get(new.audience.value, new.audience.value)))
    yield from _value(_("languages"), ", ".join(old.languages), ", ".join(new.languages))
    yield from _value(_("default language"), old.default_language, new.default_language)
    yield from _value(_("fallback to the default language"), old.allow_fallback,
                      new.allow_fallback)
    before = {s.key: s for s in old.scores}
    after = {s.key: s for s in new.scores}
    for key in [*after, *(k for k in before if k not in after)]:
        if before.get(key) != after.get(key):
            yield Change(_("score '%(key)s'", key=key), _score(before.get(key)),
                         _score(after.get(key)))


def _score(score: Score | None) -> str | None:
    """A score's rule in a line, e.g. ``mean of a, b, c, x 25, at least 2 items``."""
    if score is None:
        return None
    items = ", ".join(score.items)
    if score.method.value == "mean":
        parts = [_("mean of %(items)s", items=items)]
    else:
        parts = [_("sum of %(items)s", items=items)]
    if score.multiplier != 1:
        parts.append(f"x {_shown(score.multiplier)}")
    if score.offset:
        parts.append(f"+ {_shown(score.offset)}")
    if score.min_items is not None:
        parts.append(ngettext("at least %(num)d item", "at least %(num)d items",
                              score.min_items))
    return ", ".join(parts)


def _any_text(text: Text) -> str:
    return next((text[lang] for lang in LANGUAGES if text.get(lang)), "")
