"""Drawing a question as HTML, and small helpers for the templates."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from wtforms import Field

from surveys.rendering.answers import _empty, _number_text
from surveys.rendering.fields import ManyAnswer, OneAnswer, _QuickParams, html_params

if TYPE_CHECKING:
    from surveys.rendering.form import SectionForm, Shown


# The markup the respondent page's question macro used to write, written here in Python: the
# macro (a dozen small macro calls and a hundred escaped expressions a question) was the
# costliest part of a page. The elements, attributes and texts are the same; only the
# whitespace between elements differs (line breaks instead of indentation), which HTML does not
# show. tests/surveys/test_respondent_performance.py compares it with the macro it replaced.

def _required_mark(form: SectionForm, required: bool) -> str:
    if not required:
        return ""
    return ('<span class="req" aria-hidden="true">*</span><span class="visually-hidden"> ('
            f'{escape(form.ui["required_word"])})</span>')


def _hint(item: Shown) -> str:
    if not item.hint:
        return ""
    return f'<div class="hint" id="{escape(item.dom_id)}-hint">{escape(item.hint)}</div>'


def _messages(errors: Iterable[str]) -> str:
    return "".join(f"<span>{escape(e)}</span> " for e in errors)


def _errors(item: Shown) -> str:
    if item.field is None or not item.field.errors:
        return ""
    return f'<div class="error" id="{escape(item.dom_id)}-error">{_messages(item.field.errors)}</div>'


def _option_inputs(field: OneAnswer | ManyAnswer, invalid: str) -> Iterator[tuple[str, str, str]]:
    """(input HTML, input id, label) of each option of a radio or checkbox group: what
    iterating the field and drawing each option writes (ids ``<field id>-<n>``, ``checked`` on
    the selected ones), without making a WTForms field per option. A field with its own render
    keywords or flags is drawn by WTForms itself."""
    widget = field.option_widget
    if field.render_kw or vars(field.flags) or not isinstance(widget, _QuickParams):
        for option in field:
            yield str(option(aria_invalid=invalid)), option.id, option.label.text
        return
    for i, choice in enumerate(field.iter_choices()):
        option_id = f"{field.id}-{i}"
        attrs = {"aria-invalid": invalid, "id": option_id, "name": field.name,
                 "type": widget.input_type, "value": str(choice.value)}
        if choice.selected:
            attrs["checked"] = True
        yield f"<input {html_params(**attrs)}>", option_id, choice.label or choice.value


def _blank(answer_field: Field) -> bool:
    """True when ``answer_field`` holds nothing and has no error: drawn the same every time."""
    return (not answer_field.errors and not answer_field.process_errors
            and _empty(answer_field.data) and not getattr(answer_field, "raw", ""))


def draw_question(form: SectionForm, item: Shown) -> Markup:
    """One shown question as HTML (see :func:`_draw`).

    A question that holds no answer and no error is drawn the same for every respondent who
    sees it in this language (the markup depends only on the question, the language and
    whether the page's answers have just revealed it), so it is drawn once and kept in the
    form's parts: a page is usually first shown unanswered. The parts of a published version
    are kept per version, section and language; anything answered or in error is drawn anew.
    """
    if item.kind == "matrix":
        blank = all(_blank(row.field) for row in item.rows)
    else:
        blank = item.field is None or _blank(item.field)
    if not blank:
        return _draw(form, item)
    key = (item.question.key, item.revealed)
    found = form.parts.drawn.get(key)
    if found is None:
        # Bounded: at most two entries (revealed or not) per question of the section.
        found = form.parts.drawn[key] = _draw(form, item)
    return found


def _draw(form: SectionForm, item: Shown) -> Markup:
    """One shown question as HTML: a note; radio buttons, checkboxes or a Likert scale in a
    fieldset with a legend; a matrix (a fieldset of row fieldsets); or a labelled input, with
    its hint and errors tied to it by ``aria-describedby``."""
    dom_id = escape(item.dom_id)
    if item.kind == "note":
        parts = [f'<div class="question note" id="{dom_id}">',
                 f'<div class="note-text">{paragraphs(item.label)}</div>', _hint(item), "</div>"]
        return Markup("\n".join(p for p in parts if p))
    described = item.described_by()
    state = (" has-error" if item.errors else "") + (" revealed" if item.revealed else "")
    describe = f' aria-describedby="{escape(described)}"' if described else ""
    if item.kind in ("radios", "checks", "likert"):
        invalid = "true" if item.field.errors else "false"
        parts = [f'<fieldset class="question {item.kind}{state}" id="{dom_id}"{describe}>',
                 f'<legend class="question-label">{escape(item.label)}'
                 f'{_required_mark(form, item.required)}</legend>',
                 _hint(item), _errors(item), '<div class="options">']
        parts.extend(f'<div class="option">{html}<label for="{escape(option_id)}">'
                     f'{escape(label)}</label></div>'
                     for html, option_id, label in _option_inputs(item.field, invalid))
        parts += ["</div>", "</fieldset>"]
        return Markup("\n".join(p for p in parts if p))
    if item.kind == "matrix":
        columns = "".join(f"<span>{escape(c)}</span>" for c in item.columns)
        parts = [f'<fieldset class="question matrix{state}" id="{dom_id}"{describe}>',
                 f'<legend class="question-label">{escape(item.label)}</legend>', _hint(item),
                 f'<div class="matrix-head" aria-hidden="true">\n<span></span>{columns}\n</div>']
        for row in item.rows:
            errors = row.field.errors
            row_id = escape(row.field.id)
            error = (f'<span class="error" id="{row_id}-error">{_messages(errors)}</span>'
                     if errors else "")
            invalid = "true" if errors else "false"
            parts.append(f'<fieldset class="matrix-row{" has-error" if errors else ""}" '
                         f'id="{row_id}">')
            parts.append(f"<legend>{escape(row.label)}{_required_mark(form, row.required)}"
                         f"{error}</legend>")
            parts.extend(f'<div class="matrix-cell">{html}<label for="{escape(option_id)}">'
                         f'<span class="matrix-choice">{escape(label)}</span></label></div>'
                         for html, option_id, label in _option_inputs(row.field, invalid))
            parts.append("</fieldset>")
        parts.append("</fieldset>")
        return Markup("\n".join(p for p in parts if p))
    attrs = {"aria_invalid": "true" if item.field.errors else "false"}
    if described:
        attrs["aria_describedby"] = described
    if item.required:
        attrs["aria_required"] = "true"
    parts = [f'<div class="question {item.kind}{state}" id="{dom_id}-question">',
             f'<label class="question-label" for="{escape(item.field.id)}">{escape(item.label)}'
             f'{_required_mark(form, item.required)}</label>',
             _hint(item), _errors(item), str(item.field(**attrs)), "</div>"]
    return Markup("\n".join(p for p in parts if p))


def paragraphs(text: str) -> Markup:
    """Plain text with blank lines as paragraphs and line breaks kept (escaped)."""
    parts = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(
        Markup("<br>").join(p.split("\n"))) for p in parts)


def format_answer(value: Any) -> str:
    """An answer as text, for summaries."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return _number_text(value) if math.isfinite(value) else str(value)
    return str(value)
