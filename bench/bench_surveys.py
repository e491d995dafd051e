"""Survey benchmark: a 200-question survey's relevance, parsed and evaluated, and its respondent
pages built and rendered, next to a fixed WTForms form of the same size rendered the same way.

The survey (10 sections of 20 questions) is generated here: every type the schema has, with
relevance chains that refer to earlier questions, constraints and a calculation per section,
like a long follow-up instrument. Cases, each timed over several repetitions (median):

* ``parse relevance (cold)``: every relevance and constraint expression parsed without the
  parse cache, as when a version is validated at publishing;
* ``validate survey``: the whole publishing check (keys, references, cycles, languages);
* ``settle answers``: relevance and calculations evaluated on a full set of answers, as every
  page save does;
* ``build + render page``: ``build_form`` for one section from posted answers, validated, and
  the respondent template rendered to HTML, per page;
* ``baseline page``: a fixed WTForms form class with 20 text fields, validated and rendered by
  the same loop over its fields: the floor a hand-written form would cost.

The ratio printed is page time over baseline page time. No database is involved.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from bench.support import Outcome, Row

NAME = "surveys"
SECTIONS = 10
PER_SECTION = 20


def _median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def build_survey():
    """The generated 200-question survey and a full set of answers to it."""
    from surveys import schema as s

    lists = {
        "agree5": s.ChoiceList("agree5", [s.Choice(str(v), {"en": f"level {v}", "uk": f"рівень {v}"}, score=v)
                                          for v in range(1, 6)]),
        "services": s.ChoiceList("services", [s.Choice(v, {"en": v, "uk": v})
                                              for v in ("legal", "medical", "housing", "psych", "work")]),
    }
    kinds = ["yes_no", "integer", "text", "select_one", "select_multiple", "decimal", "date",
             "likert", "long_text", "note"]
    sections: list = []
    answers: dict = {}
    for si in range(SECTIONS):
        questions = []
        for qi in range(PER_SECTION - 1):
            key = f"s{si}_q{qi}"
            kind = kinds[qi % len(kinds)]
            relevance = None
            if qi >= 1 and qi % 3 == 0:  # a chain: shown when the yes/no above is yes
                relevance = f"${{s{si}_q0}} = 'yes'"
            elif qi % 5 == 4 and qi >= 5:
                relevance = f"selected(${{s{si}_q4}}, 'legal') or ${{s{si}_q1}} > 2"
            q = s.Question(key=key, type=s.QuestionType(kind),
                           label={"en": f"Question {si}.{qi}", "uk": f"Питання {si}.{qi}"},
                           relevant=relevance)
            if kind == "integer":
                q.minimum, q.maximum = 0, 120
                q.constraint, q.constraint_message = ". >= 0", {"en": "Not negative", "uk": "Не менше 0"}
                answers[key] = 5
            elif kind == "decimal":
                answers[key] = 2.5
            elif kind == "yes_no":
                answers[key] = "yes"
            elif kind in ("select_one", "likert"):
                q.choices = "agree5"
                answers[key] = "3"
            elif kind == "select_multiple":
                q.choices = "services"
                answers[key] = ["legal", "housing"]
            elif kind == "date":
                import datetime
                answers[key] = datetime.date(2016, 5, 1)
            elif kind in ("text", "long_text"):
                answers[key] = "some words"
            questions.append(q)
        questions.append(s.Question(key=f"s{si}_total", type=s.QuestionType.calculate, label={"en": "total"},
                                    calculation=f"${{s{si}_q1}} + ${{s{si}_q5}}"))
        sections.append(s.Section(key=f"sec{si}", title={"en": f"Section {si}", "uk": f"Розділ {si}"},
                                  questions=questions))
    survey = s.Survey(title={"en": "Benchmark survey", "uk": "Опитування"}, sections=sections,
                      choice_lists=lists, languages=["uk", "en"], default_language="uk",
                      allow_fallback=True)
    return survey, answers


def run(quick: bool = False, database_url: str | None = None) -> Outcome:  # noqa: ARG001
    """Time the cases above (in this process: no database, nothing to isolate)."""
    from flask import render_template_string
    from werkzeug.datastructures import MultiDict
    from wtforms import Form, StringField

    from monitor import create_app
    from surveys import expressions, rendering, validation

    repeat = 5 if quick else 25
    survey, answers = build_survey()
    problems = validation.validate(survey)
    if problems:  # a benchmark of a survey that could not be published would measure nothing real
        raise RuntimeError(f"the generated survey is invalid: {problems[:3]}")
    texts = [t for q in survey.questions() for t in (q.relevant, q.constraint, q.calculation) if t]
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "DATABASE_URL": "sqlite://"})
    page_template = (
        '{% import "surveys/rendering/_section.html" as r %}'
        '<form method="post">{{ r.section(form) }}<button>Next</button></form>')
    base_template = ('<form method="post">{% for f in form %}<label for="{{ f.id }}">{{ f.label.text }}'
                     '</label>{{ f() }}{% for e in f.errors %}<p>{{ e }}</p>{% endfor %}{% endfor %}'
                     '<button>Next</button></form>')

    class Baseline(Form):
        pass

    for i in range(PER_SECTION):
        setattr(Baseline, f"f{i}", StringField(f"Question {i}"))
    posted = MultiDict({k: (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in answers.items()
                        if not isinstance(v, list)})  # as a browser posts them: strings
    for k, v in answers.items():
        if isinstance(v, list):
            posted.setlist(k, v)
    baseline_post = MultiDict({f"f{i}": "some words" for i in range(PER_SECTION)})

    def parse_cold() -> None:
        for text in texts:
            expressions.parse(text)

    def render_pages() -> None:
        for section in survey.sections:
            form = rendering.build_form(survey, section, "uk", formdata=posted)
            form.validate()
            render_template_string(page_template, form=form)

    def render_baseline() -> None:
        for _ in survey.sections:
            form = Baseline(baseline_post)
            form.validate()
            render_template_string(base_template, form=form)

    outcome = Outcome()
    with app.test_request_context("/"):
        render_pages()  # warm the template cache, as a running server would have it
        render_baseline()
        cases = [
            ("parse relevance (cold)", parse_cold, len(texts), "expressions"),
            ("validate survey", lambda: validation.validate(survey), 200, "questions"),
            ("settle answers", lambda: rendering.settle(survey, answers), 200, "questions"),
        ]
        for case, work, count, what in cases:
            seconds = _median_seconds(work, repeat)
            outcome.rows.append(Row(NAME, case, f"{count} {what}", seconds=seconds, rows=count,
                                    note=f"{seconds * 1000:.2f} ms"))
        page = _median_seconds(render_pages, repeat) / SECTIONS
        floor = _median_seconds(render_baseline, repeat) / SECTIONS
    outcome.rows.append(Row(NAME, "build + render page", f"{PER_SECTION} questions", seconds=page,
                            rows=1, note=f"{page * 1000:.2f} ms per page; {page / floor:.1f}x baseline"))
    outcome.rows.append(Row(NAME, "baseline page", f"{PER_SECTION} text fields", seconds=floor, rows=1,
                            note=f"{floor * 1000:.2f} ms per page"))
    outcome.notes.append(
        "surveys: a generated survey of 200 questions in 10 sections (every type, relevance chains, "
        "constraints, a calculation per section); median of repeated runs in one process, templates "
        "warm. 'build + render page' is build_form from posted answers + validate + the respondent "
        "template; the baseline is a fixed WTForms class of 20 text fields rendered by a plain loop.")
    return outcome
