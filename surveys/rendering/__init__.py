"""The respondent's form, built at run time from the survey schema, one section (page) at a
time, in one language.

What lives here, and is shared by the designer's preview and the respondent pages:

* relevance on the server: :func:`settle` (answers of questions that are not relevant dropped,
  calculations recomputed), :func:`section_relevant`, :func:`visible_questions`,
  :func:`visible_sections`, :func:`next_section` and :func:`previous_section`;
* :func:`build_form`: a WTForms form for one section whose fields are named by answer key,
  with labels, hints, options and messages in the respondent's language, required only when
  the question is shown, number ranges, constraints with their message in that language;
* :func:`answers_to_json` / :func:`answers_from_json`: answers as JSON and back, typed by
  question (dates become ``datetime.date`` again);
* :data:`UI`: the interface strings (Next, Back, error messages) in uk, ru and en.

The modules: ``relevance`` (what is shown given the answers), ``answers`` (answers as JSON,
numbers a question can hold), ``fields`` (the WTForms fields and widgets), ``form`` (a page as
a form, and what the template shows of each question), ``drawing`` (a question as HTML, template
helpers) and ``text`` (the words around the questions, the page's language). Import from here.

Answers are Python values keyed by answer key: ``str`` (text, yes/no, select one, Likert,
matrix rows, calculations), ``int`` (integer), ``float`` (decimal), ``datetime.date``,
``list[str]`` (select multiple). An unanswered question has no key.

Questions revealed by this page's own answers (``${housing} = 'other'`` on the housing page)
appear when the respondent presses Next: the page is shown again with them (see
:attr:`SectionForm.revealed`), and their answers are checked on the following Next. The
optional JavaScript that shows them live must follow the same rule.
"""

from surveys.rendering.answers import (
    NUMBER_DIGITS,
    NumberUnfit,
    answer_kinds,
    answers_from_json,
    answers_to_json,
    read_number,
    stored_number,
)
from surveys.rendering.drawing import (
    draw_question,
    format_answer,
    paragraphs,
)
from surveys.rendering.fields import (
    LONG_TEXT_MAX,
    RADIO_LIMIT,
    TEXT_MAX,
    DateAnswer,
    ListAnswer,
    LongTextAnswer,
    ManyAnswer,
    NumberAnswer,
    OneAnswer,
    TextAnswer,
    html_params,
)
from surveys.rendering.form import (
    Row,
    SectionForm,
    SectionParts,
    Shown,
    build_form,
    section_parts,
)
from surveys.rendering.relevance import (
    is_last_page,
    may_show,
    next_section,
    page_position,
    previous_section,
    section_relevant,
    settle,
    shown_questions,
    visible_questions,
    visible_sections,
)
from surveys.rendering.text import (
    UI,
    languages_of,
    pick_language,
    ui,
)

__all__ = [
    "DateAnswer",
    "LONG_TEXT_MAX",
    "ListAnswer",
    "LongTextAnswer",
    "ManyAnswer",
    "NUMBER_DIGITS",
    "NumberAnswer",
    "NumberUnfit",
    "OneAnswer",
    "RADIO_LIMIT",
    "Row",
    "SectionForm",
    "SectionParts",
    "Shown",
    "TEXT_MAX",
    "TextAnswer",
    "UI",
    "answer_kinds",
    "answers_from_json",
    "answers_to_json",
    "build_form",
    "draw_question",
    "format_answer",
    "html_params",
    "is_last_page",
    "languages_of",
    "may_show",
    "next_section",
    "page_position",
    "paragraphs",
    "pick_language",
    "previous_section",
    "read_number",
    "section_parts",
    "section_relevant",
    "settle",
    "shown_questions",
    "stored_number",
    "ui",
    "visible_questions",
    "visible_sections",
]
