"""Designer pages: officers create surveys (blank or from the library), edit drafts, translate,
preview in each language and publish.

Each view loads, validates, calls one service (``services.edit_draft`` with an ``editing``
function, or ``services.publish_draft`` ...), commits and redirects. Only officers and admins
reach these pages.

The preview keeps no server state: the answers given so far travel with the page as a signed
hidden field (``preview-state``), so Next and Back re-render from what was posted.

The pages speak the officer's language (Flask-Babel); the preview draws the survey in the
language chosen on it, as a respondent would see it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from monitor.auth.access import REGISTRY, allow
from monitor.extensions import db
from surveys import rendering, versions
from surveys.designer import changes, editing, forms, services
from surveys.designer.editing import EditError, NotInSurvey
from surveys.library import INSTRUMENTS, UnknownInstrument
from surveys.models import PublishedVersionImmutable, Survey, SurveyVersion
from surveys.schema import LANGUAGE_NAMES, LANGUAGES, NUMERIC, WITH_CHOICES, QuestionType
from surveys.validation import Problem, SurveyInvalid, validate

bp = Blueprint("designer", __name__, url_prefix="/surveys", template_folder="../templates")

bp.add_app_template_filter(rendering.paragraphs, "paragraphs")

#: Blank rows offered under the existing ones in the list and matrix editors.
BLANK_ROWS = 3
#: What the history page says changed in a question, by the property's name.
CHANGED_PARTS = {
    "type": _l("type"), "label": _l("label"), "hint": _l("hint"), "required": _l("required"),
    "relevant": _l("relevant"), "constraint": _l("constraint"),
    "constraint_message": _l("constraint message"), "choices": _l("choice list"),
    "calculation": _l("calculation"), "minimum": _l("minimum"), "maximum": _l("maximum"),
    "reverse": _l("reverse-coded"), "items": _l("rows"), "page": _l("page"),
    "options": _l("options"),
}
#: The survey settings the history page names, by the property's name.
SETTING_NAMES = {
    "title": _l("title"), "audience": _l("who answers it"), "languages": _l("languages"),
    "default_language": _l("default language"),
    "allow_fallback": _l("fallback to the default language"),
    "description": _l("description"), "scores": _l("scores"),
}


# --- loading ---------------------------------------------------------------------------------

def _survey(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        abort(404)
    return survey


def _draft(survey_id: int) -> tuple[Survey, SurveyVersion]:
    """The survey and its draft; without a draft, back to the survey page to start one."""
    survey = _survey(survey_id)
    draft = versions.draft(survey)
    if draft is None:
        flash(_("This survey has no draft. Start a new draft to edit it."), "warning")
        abort(redirect(url_for("designer.survey", survey_id=survey_id)))
    return survey, draft


def _version(survey_id: int, number: int) -> tuple[Survey, SurveyVersion]:
    survey = _survey(survey_id)
    version = db.session.scalar(select(SurveyVersion).where(
        SurveyVersion.survey_id == survey.id, SurveyVersion.number == number))
    if version is None:
        abort(404)
    return survey, version


def _actor() -> int | None:
    return getattr(current_user, "id", None)


def _found(function, *args):
    """Call an ``editing`` finder; a missing section, question or list is a 404."""
    try:
        return function(*args)
    except NotInSurvey:
        abort(404)


# --- saving ----------------------------------------------------------------------------------

def _form_field(form, name: str | None):
    if not name:
        return None
    if name in form._fields:
        return form[name]
    match = re.fullmatch(r"(\w+?)-(\d+)-(\w+)", name)
    if match and match.group(1) in form._fields:
        entries = form[match.group(1)].entries
        index = int(match.group(2))
        if index < len(entries) and match.group(3) in entries[index].form._fields:
            return entries[index].form[match.group(3)]
    return None


def _save(version: SurveyVersion, change, form=None, revision: str | None = None):
    """Apply ``change`` to the draft and commit. Returns (True, result) or (False, problems
    that belong to no field); problems of a field are attached to it, expression problems
    also to ``form.expression_problems`` (for the marker under the field)."""
    try:
        result = services.edit_draft(version, change, revision)
    except NotInSurvey:
        db.session.rollback()
        abort(404)
    except EditError as exc:
        db.session.rollback()
        general = []
        for problem in exc.problems:
            target = _form_field(form, problem.field) if form is not None else None
            if target is None:
                general.append(problem.message)
                continue
            target.errors = [*target.errors, problem.message]
            if problem.expression is not None:
                form.expression_problems[problem.field] = problem
        return False, general
    except services.StaleDraft as exc:
        db.session.rollback()
        if form is not None and "revision" in form._fields:
            form.revision.data = services.revision(version.definition)  # the next save wins
        return False, [str(exc)]
    except PublishedVersionImmutable as exc:
        db.session.rollback()
        return False, [str(exc)]
    db.session.commit()
    return True, result


def _prepare(form):
    form.expression_problems = {}
    return form


def _problem_link(survey_id: int, definition, problem: Problem) -> str | None:
    """Where to fix ``problem``: the question, section, choice list or settings."""
    anchor = None
    for suffix, field in ((", relevant", "relevant"), (", constraint message", "constraint_message_en"),
                          (", constraint", "constraint"), (", calculation", "calculation"),
                          (", label", "label_en"), (", hint", "hint_en")):
        if problem.where.endswith(suffix):
            anchor = field
            break
    if problem.key:
        owner = editing.owner_of(definition, problem.key)
        if owner is not None:
            return url_for("designer.question_edit", survey_id=survey_id, key=owner.key,
                           _anchor=anchor)
    match = re.match(r"(section|choice list) '([^']+)'", problem.where)
    if match and match.group(1) == "section" and any(
            s.key == match.group(2) for s in definition.sections):
        return url_for("designer.section_edit", survey_id=survey_id, key=match.group(2),
                       _anchor=anchor)
    if match and match.group(1) == "choice list" and match.group(2) in definition.choice_lists:
        return url_for("designer.list_edit", survey_id=survey_id, name=match.group(2))
    if problem.where.startswith("survey"):
        return url_for("designer.draft", survey_id=survey_id, _anchor="settings")
    return None


def _problems(survey_id: int, definition) -> list[tuple[Problem, str | None]]:
    return [(p, _problem_link(survey_id, definition, p)) for p in validate(definition)]


# --- list and creation -----------------------------------------------------------------------

@bp.route("")
@allow(*REGISTRY)
def index():
    surveys = db.session.scalars(select(Survey).options(selectinload(Survey.versions))
                                 .order_by(Survey.created_at.desc(), Survey.id.desc())).all()
    rows = []
    for survey in surveys:
        published = [v for v in survey.versions if v.is_published]
        draft = next((v for v in survey.versions if not v.is_published), None)
        rows.append((survey, published[-1] if published else None, draft))
    return render_template("surveys/designer/index.html", rows=rows, audiences=forms.AUDIENCES)


@bp.route("/new", methods=["GET", "POST"])
@allow(*REGISTRY)
def new():
    form = forms.NewSurveyForm()
    if form.validate_on_submit():
        survey = services.create_blank(forms.text_of(form, "title"), form.audience.data, _actor())
        db.session.commit()
        flash(_("Survey created. Add a section, then questions."), "success")
        return redirect(url_for("designer.draft", survey_id=survey.id))
    return render_template("surveys/designer/new.html", form=form, library=forms.LibraryForm(),
                           instruments=INSTRUMENTS.values(), audiences=forms.AUDIENCES)


@bp.route("/new/library", methods=["POST"])
@allow(*REGISTRY)
def create_from_library():
    form = forms.LibraryForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        survey = services.create_from_library(form.instrument.data, _actor())
    except UnknownInstrument:
        abort(404)
    db.session.commit()
    flash(_("Survey created from the library instrument “%(title)s”.", title=survey.title),
          "success")
    return redirect(url_for("designer.survey", survey_id=survey.id))


# --- one survey: versions, publishing, history -----------------------------------------------

@bp.route("/<int:survey_id>")
@allow(*REGISTRY)
def survey(survey_id: int):
    survey = _survey(survey_id)
    latest = versions.latest_published(survey)
    warnings = []
    if latest is not None:
        warnings = [p for p in validate(latest.schema()) if p.severity == "warning"]
    return render_template("surveys/designer/survey.html", survey=survey,
                           versions=list(survey.versions), draft=versions.draft(survey),
                           latest=latest, warnings=warnings, confirm=forms.ConfirmForm(),
                           audiences=forms.AUDIENCES, languages=LANGUAGES,
                           language_names=LANGUAGE_NAMES)


@bp.route("/<int:survey_id>/draft/start", methods=["POST"])
@allow(*REGISTRY)
def start_draft(survey_id: int):
    survey = _survey(survey_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    draft = versions.start_draft(survey, actor_id=_actor())
    db.session.commit()
    flash(_("Draft version %(number)d started from the latest published version.",
            number=draft.number), "success")
    return redirect(url_for("designer.draft", survey_id=survey.id))


def _publish_page(survey: Survey, draft: SurveyVersion, form: forms.PublishForm | None = None,
                  problems: list[Problem] | None = None, general: list[str] | None = None,
                  status: int = 200):
    """The confirmation: what publishing the draft changes, what blocks it, the button."""
    definition = draft.schema()
    latest = versions.latest_published(survey)
    if problems is None:
        problems = validate(definition) + versions.json_problems(draft.definition)
    form = form or forms.PublishForm(formdata=None)
    form.revision.data = services.revision(draft.definition)  # confirm what is shown now
    return render_template(
        "surveys/designer/publish.html", survey=survey, draft=draft, latest=latest, form=form,
        changes=changes.compare(latest.schema() if latest else None, definition),
        definition=definition, general=general or [],
        problems=[(p, _problem_link(survey.id, definition, p)) for p in problems]), status


@bp.route("/<int:survey_id>/draft/publish", methods=["GET", "POST"])
@allow(*REGISTRY)
def publish(survey_id: int):
    """GET: what publishing changes, and the button to confirm; POST: publish."""
    survey, draft = _draft(survey_id)
    if request.method == "GET":
        return _publish_page(survey, draft)
    form = forms.PublishForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        version, warnings = services.publish_draft(survey, _actor(), form.revision.data)
    except versions.NoDraft:
        db.session.rollback()
        flash(_("There is no draft to publish."), "warning")
        return redirect(url_for("designer.survey", survey_id=survey.id))
    except services.StaleDraft as exc:
        db.session.rollback()
        return _publish_page(survey, draft, form, general=[str(exc)], status=409)
    except SurveyInvalid as exc:
        db.session.rollback()
        return _publish_page(survey, draft, form, problems=exc.problems, status=422, general=[
            ngettext("The draft was not published: %(num)d error must be fixed first.",
                     "The draft was not published: %(num)d errors must be fixed first.",
                     len(exc.problems))])
    db.session.commit()
    if warnings:
        # English keeps "warning(s)", as it always said; uk and ru have their plural forms.
        message = ngettext("Version %(number)d published. It has %(num)d warning(s), listed "
                           "below.", "Version %(number)d published. It has %(num)d "
                           "warning(s), listed below.", len(warnings), number=version.number)
    else:
        message = _("Version %(number)d published.", number=version.number)
    flash(message, "success")
    return redirect(url_for("designer.survey", survey_id=survey.id))


@bp.route("/<int:survey_id>/history")
@allow(*REGISTRY)
def history(survey_id: int):
    survey = _survey(survey_id)
    by_number = {v.number: v for v in survey.versions}
    numbers = sorted(by_number)
    if not numbers:
        abort(404)
    b = request.args.get("b", type=int)
    b = b if b in by_number else numbers[-1]
    a = request.args.get("a", type=int)
    a = a if a in by_number else (numbers[-2] if len(numbers) > 1 else numbers[-1])
    old, new = by_number[a].schema(), by_number[b].schema()
    diff = versions.diff(old, new)
    lang_old, lang_new = old.default_language, new.default_language

    def label(definition, key, lang):
        q = definition.question(key)
        return definition.text(q.label, lang) if q else ""

    def changed_parts(key):
        q_old, q_new = old.question(key), new.question(key)
        parts = [name for name in ("type", "label", "hint", "required", "relevant", "constraint",
                                   "constraint_message", "choices", "calculation", "minimum",
                                   "maximum", "reverse", "items")
                 if getattr(q_old, name) != getattr(q_new, name)]
        if old.section_of(key).key != new.section_of(key).key:
            parts.append("page")
        if q_old.choices and q_old.choices == q_new.choices and \
                old.choice_lists.get(q_old.choices) != new.choice_lists.get(q_new.choices):
            parts.append("options")
        return parts

    rows = {
        "added": [(k, "", label(new, k, lang_new), []) for k in diff.added],
        "removed": [(k, label(old, k, lang_old), "", []) for k in diff.removed],
        "changed": [(k, label(old, k, lang_old), label(new, k, lang_new), changed_parts(k))
                    for k in diff.changed],
    }
    return render_template("surveys/designer/history.html", survey=survey, numbers=numbers,
                           a=a, b=b, diff=diff, rows=rows, part_names=CHANGED_PARTS,
                           setting_names=SETTING_NAMES)


# --- the draft editor ------------------------------------------------------------------------

def _settings_form(definition, revision: str, formdata=None) -> forms.SettingsForm:
    data = {"revision": revision, "audience": str(definition.audience),
            "languages": list(definition.languages),
            "default_language": definition.default_language,
            "allow_fallback": definition.allow_fallback,
            **forms.text_data("title", definition.title),
            **forms.text_data("description", definition.description)}
    return _prepare(forms.SettingsForm(formdata=formdata, data=data))


def _editor(survey: Survey, draft: SurveyVersion, settings=None, general=None, status=200):
    definition = draft.schema()
    revision = services.revision(draft.definition)
    settings = settings or _settings_form(definition, revision)
    return render_template(
        "surveys/designer/draft.html", survey=survey, draft=draft, definition=definition,
        settings=settings, general=general or [], problems=_problems(survey.id, definition),
        add_question=forms.AddQuestionForm(formdata=None), confirm=forms.ConfirmForm(),
        move=forms.MoveForm(formdata=None),
        type_labels=forms.TYPE_LABELS, revision=revision, lang=definition.default_language,
        language_names=LANGUAGE_NAMES, audiences=forms.AUDIENCES), status


@bp.route("/<int:survey_id>/draft")
@allow(*REGISTRY)
def draft(survey_id: int):
    return _editor(*_draft(survey_id))


@bp.route("/<int:survey_id>/draft/settings", methods=["POST"])
@allow(*REGISTRY)
def settings(survey_id: int):
    survey, draft = _draft(survey_id)
    form = _settings_form(draft.schema(), "", request.form)
    if form.validate_on_submit():
        ok, general = _save(draft, lambda s: editing.update_settings(
            s, title=forms.text_of(form, "title"),
            description=forms.text_of(form, "description"), audience=form.audience.data,
            languages=form.languages.data or [], default_language=form.default_language.data,
            allow_fallback=form.allow_fallback.data), form, form.revision.data)
        if ok:
            flash(_("Settings saved."), "success")
            return redirect(url_for("designer.draft", survey_id=survey.id))
        return _editor(survey, draft, form, general, 422)
    return _editor(survey, draft, form, None, 422)


@bp.route("/<int:survey_id>/draft/sections", methods=["POST"])
@allow(*REGISTRY)
def section_add(survey_id: int):
    survey, draft = _draft(survey_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    ok, result = _save(draft, lambda s: editing.add_section(s))
    if not ok:
        flash(" ".join(result), "error")
        return redirect(url_for("designer.draft", survey_id=survey.id))
    flash(_("Section %(key)s added. Give it a title.", key=result.key), "success")
    return redirect(url_for("designer.section_edit", survey_id=survey.id, key=result.key))


@bp.route("/<int:survey_id>/draft/sections/<key>", methods=["GET", "POST"])
@allow(*REGISTRY)
def section_edit(survey_id: int, key: str):
    survey, draft = _draft(survey_id)
    definition = draft.schema()
    section = _found(editing.find_section, definition, key)
    data = {"revision": services.revision(draft.definition), "key": section.key,
            "relevant": section.relevant or "", **forms.text_data("title", section.title)}
    form = _prepare(forms.SectionForm(data=data))
    general: list[str] = []
    if form.validate_on_submit():
        ok, general = _save(draft, lambda s: editing.update_section(
            s, key, new_key=form.key.data.strip(), title=forms.text_of(form, "title"),
            relevant=form.relevant.data), form, form.revision.data)
        if ok:
            flash(_("Section %(key)s saved.", key=form.key.data.strip()), "success")
            return redirect(url_for("designer.draft", survey_id=survey.id,
                                    _anchor=f"s-{form.key.data.strip()}"))
    status = 422 if request.method == "POST" else 200
    return render_template("surveys/designer/section_form.html", survey=survey, draft=draft,
                           definition=definition, section=section, form=form, general=general,
                           languages=LANGUAGES), status


@bp.route("/<int:survey_id>/draft/sections/<key>/move", methods=["POST"])
@allow(*REGISTRY)
def section_move(survey_id: int, key: str):
    survey, draft = _draft(survey_id)
    form = forms.MoveForm()
    if not form.validate_on_submit():
        abort(400)
    ok, general = _save(draft, lambda s: editing.move_section(s, key, form.offset))
    if not ok:
        flash(" ".join(general), "error")
    return redirect(url_for("designer.draft", survey_id=survey.id, _anchor=f"s-{key}"))


@bp.route("/<int:survey_id>/draft/sections/<key>/delete", methods=["GET", "POST"])
@allow(*REGISTRY)
def section_delete(survey_id: int, key: str):
    survey, draft = _draft(survey_id)
    definition = draft.schema()
    section = _found(editing.find_section, definition, key)
    form = forms.ConfirmForm()
    general: list[str] = []
    if form.validate_on_submit():
        ok, general = _save(draft, lambda s: editing.delete_section(s, key))
        if ok:
            flash(_("Section %(key)s deleted with its questions.", key=key), "success")
            return redirect(url_for("designer.draft", survey_id=survey.id))
    what = ngettext("section %(key)s and its %(num)d question",
                    "section %(key)s and its %(num)d questions", len(section.questions), key=key)
    return render_template("surveys/designer/confirm.html", survey=survey, form=form,
                           general=general, what=what,
                           items=[q.key for q in section.questions],
                           back=url_for("designer.draft", survey_id=survey.id)), \
        (422 if general else 200)


@bp.route("/<int:survey_id>/draft/sections/<key>/questions", methods=["POST"])
@allow(*REGISTRY)
def question_add(survey_id: int, key: str):
    survey, draft = _draft(survey_id)
    _found(editing.find_section, draft.schema(), key)
    form = forms.AddQuestionForm()
    if not form.validate_on_submit():
        flash(_("Choose the type of the new question."), "error")
        return redirect(url_for("designer.draft", survey_id=survey.id, _anchor=f"s-{key}"))
    ok, result = _save(draft, lambda s: editing.add_question(s, key, form.type.data))
    if not ok:
        flash(" ".join(result), "error")
        return redirect(url_for("designer.draft", survey_id=survey.id))
    flash(_("Question %(key)s added: give it a label (and a better key).", key=result.key),
          "success")
    return redirect(url_for("designer.question_edit", survey_id=survey.id, key=result.key))


def _question_data(definition, question, revision: str) -> dict[str, Any]:
    rows = [{"original": item.key, "key": item.key, "reverse": item.reverse,
             **forms.text_data("label", item.label)} for item in question.items]
    if question.type == QuestionType.matrix:
        rows += [{"original": "", "key": "", "reverse": False}] * BLANK_ROWS
    return {
        "revision": revision, "key": question.key, "type": question.type.value,
        "required": question.required, "relevant": question.relevant or "",
        "constraint": question.constraint or "", "choices": question.choices or "",
        "minimum": question.minimum, "maximum": question.maximum, "reverse": question.reverse,
        "calculation": question.calculation or "", "rows": rows,
        **forms.text_data("label", question.label), **forms.text_data("hint", question.hint),
        **forms.text_data("constraint_message", question.constraint_message),
    }


def _question_edit(form: forms.QuestionForm, action: str, index: int | None) -> editing.QuestionEdit:
    rows = [editing.RowEdit(key=(entry.form.key.data or "").strip(),
                            label=forms.text_of(entry.form, "label"),
                            reverse=entry.form.reverse.data,
                            original=entry.form.original.data or None)
            for entry in form.rows.entries]
    if index is not None and index < len(rows):
        if action == "remove":
            rows.pop(index)
        elif action in ("up", "down"):
            target = index - 1 if action == "up" else index + 1
            if 0 <= target < len(rows):
                rows[index], rows[target] = rows[target], rows[index]
    return editing.QuestionEdit(
        key=form.key.data.strip(), type=QuestionType(form.type.data),
        label=forms.text_of(form, "label"), hint=forms.text_of(form, "hint"),
        required=form.required.data, relevant=form.relevant.data,
        constraint=form.constraint.data,
        constraint_message=forms.text_of(form, "constraint_message"),
        choices=form.choices.data or None, new_list=form.new_list.data,
        calculation=form.calculation.data, minimum=form.minimum.data,
        maximum=form.maximum.data, reverse=form.reverse.data, rows=rows)


@bp.route("/<int:survey_id>/draft/questions/<key>", methods=["GET", "POST"])
@allow(*REGISTRY)
def question_edit(survey_id: int, key: str):
    survey, draft = _draft(survey_id)
    definition = draft.schema()
    section, question = _found(editing.find_question, definition, key)
    form = _prepare(forms.QuestionForm(
        data=_question_data(definition, question, services.revision(draft.definition))))
    form.choices.choices = forms.options(
        [("", _("— none —"))] + [(name, ngettext("%(name)s (%(num)d option)",
                                                 "%(name)s (%(num)d options)",
                                                 len(cl.choices), name=name))
                                 for name, cl in definition.choice_lists.items()])
    general: list[str] = []
    if form.validate_on_submit():
        action, index = forms.row_action(form.action.data)
        edit = _question_edit(form, action, index)
        ok, general = _save(draft, lambda s: editing.update_question(s, key, edit), form,
                            form.revision.data)
        if ok:
            saved = edit.key
            flash(_("Question %(key)s saved.", key=saved), "success")
            if edit.new_list and edit.type in WITH_CHOICES:
                flash(_("Now add the options of the new list %(name)s.", name=edit.new_list),
                      "info")
                return redirect(url_for("designer.list_edit", survey_id=survey.id,
                                        name=edit.new_list.strip()))
            if action != "save" or edit.type != question.type:
                return redirect(url_for("designer.question_edit", survey_id=survey.id,
                                        key=saved, _anchor="rows" if action != "save" else None))
            return redirect(url_for("designer.draft", survey_id=survey.id, _anchor=f"q-{saved}"))
    qtype = QuestionType(form.type.data) if form.type.data in QuestionType._value2member_map_ \
        else question.type
    status = 422 if request.method == "POST" else 200
    problems = [(p, link) for p, link in _problems(survey.id, definition)
                if p.key and editing.owner_of(definition, p.key) is question]
    return render_template("surveys/designer/question_form.html", survey=survey, draft=draft,
                           definition=definition, section=section, question=question, form=form,
                           qtype=qtype, general=general, problems=problems,
                           languages=[lang for lang in LANGUAGES if lang in definition.languages]
                           or list(LANGUAGES),
                           with_choices=WITH_CHOICES, numeric=NUMERIC,
                           type_labels=forms.TYPE_LABELS), status


@bp.route("/<int:survey_id>/draft/questions/<key>/move", methods=["POST"])
@allow(*REGISTRY)
def question_move(survey_id: int, key: str):
    survey, draft = _draft(survey_id)
    form = forms.MoveForm()
    if not form.validate_on_submit():
        abort(400)
    ok, general = _save(draft, lambda s: editing.move_question(s, key, form.offset))
    if not ok:
        flash(" ".join(general), "error")
    return redirect(url_for("designer.draft", survey_id=survey.id, _anchor=f"q-{key}"))


@bp.route("/<int:survey_id>/draft/questions/<key>/delete", methods=["GET", "POST"])
@allow(*REGISTRY)
def question_delete(survey_id: int, key: str):
    survey, draft = _draft(survey_id)
    _found(editing.find_question, draft.schema(), key)
    form = forms.ConfirmForm()
    general: list[str] = []
    if form.validate_on_submit():
        ok, general = _save(draft, lambda s: editing.delete_question(s, key))
        if ok:
            flash(_("Question %(key)s deleted.", key=key), "success")
            return redirect(url_for("designer.draft", survey_id=survey.id))
    return render_template("surveys/designer/confirm.html", survey=survey, form=form,
                           general=general, what=_("question %(key)s", key=key), items=[],
                           back=url_for("designer.question_edit", survey_id=survey.id, key=key)), \
        (422 if general else 200)


# --- choice lists ----------------------------------------------------------------------------

@bp.route("/<int:survey_id>/draft/lists", methods=["GET", "POST"])
@allow(*REGISTRY)
def lists(survey_id: int):
    survey, draft = _draft(survey_id)
    form = _prepare(forms.NewListForm())
    general: list[str] = []
    if form.validate_on_submit():
        name = form.name.data.strip()
        ok, general = _save(draft, lambda s: editing.add_choice_list(s, name), form)
        if ok:
            flash(_("List %(name)s created: add its options.", name=name), "success")
            return redirect(url_for("designer.list_edit", survey_id=survey.id, name=name))
    definition = draft.schema()
    return render_template("surveys/designer/lists.html", survey=survey, draft=draft,
                           definition=definition, form=form, general=general,
                           used=editing.lists_in_use(definition)), \
        (422 if request.method == "POST" else 200)


@bp.route("/<int:survey_id>/draft/lists/<name>", methods=["GET", "POST"])
@allow(*REGISTRY)
def list_edit(survey_id: int, name: str):
    survey, draft = _draft(survey_id)
    definition = draft.schema()
    choice_list = _found(editing.find_list, definition, name)
    rows = [{"value": c.value, "score": c.score, **forms.text_data("label", c.label)}
            for c in choice_list.choices] + [{"value": "", "score": None}] * BLANK_ROWS
    form = _prepare(forms.ChoiceListForm(data={
        "revision": services.revision(draft.definition), "name": name, "rows": rows}))
    general: list[str] = []
    if form.validate_on_submit():
        action, index = forms.row_action(form.action.data)
        edits = [editing.ChoiceEdit(value=(e.form.value.data or "").strip(),
                                    label=forms.text_of(e.form, "label"), score=e.form.score.data)
                 for e in form.rows.entries]
        if index is not None and index < len(edits):
            if action == "remove":
                edits[index] = editing.ChoiceEdit("", {}, None)
            elif action in ("up", "down"):
                target = index - 1 if action == "up" else index + 1
                if 0 <= target < len(edits):
                    edits[index], edits[target] = edits[target], edits[index]
        new_name = form.name.data.strip()
        ok, general = _save(draft, lambda s: editing.update_choice_list(s, name, new_name, edits),
                            form, form.revision.data)
        if ok:
            flash(_("List %(name)s saved.", name=new_name), "success")
            if action != "save":
                return redirect(url_for("designer.list_edit", survey_id=survey.id, name=new_name))
            return redirect(url_for("designer.lists", survey_id=survey.id))
    return render_template("surveys/designer/list_form.html", survey=survey, draft=draft,
                           definition=definition, choice_list=choice_list, form=form,
                           general=general, used=editing.lists_in_use(definition).get(name, []),
                           languages=[lang for lang in LANGUAGES if lang in definition.languages]
                           or list(LANGUAGES),
                           confirm=forms.ConfirmForm()), \
        (422 if request.method == "POST" else 200)


@bp.route("/<int:survey_id>/draft/lists/<name>/delete", methods=["GET", "POST"])
@allow(*REGISTRY)
def list_delete(survey_id: int, name: str):
    survey, draft = _draft(survey_id)
    _found(editing.find_list, draft.schema(), name)
    form = forms.ConfirmForm()
    general: list[str] = []
    if form.validate_on_submit():
        ok, general = _save(draft, lambda s: editing.delete_choice_list(s, name))
        if ok:
            flash(_("List %(name)s deleted.", name=name), "success")
            return redirect(url_for("designer.lists", survey_id=survey.id))
    return render_template("surveys/designer/confirm.html", survey=survey, form=form,
                           general=general, what=_("choice list %(name)s", name=name), items=[],
                           back=url_for("designer.list_edit", survey_id=survey.id, name=name)), \
        (422 if general else 200)


# --- translations ----------------------------------------------------------------------------

@bp.route("/<int:survey_id>/draft/translations", methods=["GET", "POST"])
@allow(*REGISTRY)
def translations(survey_id: int):
    survey, draft = _draft(survey_id)
    definition = draft.schema()
    slots = editing.text_slots(definition)
    languages = [lang for lang in LANGUAGES if lang in definition.languages] or list(LANGUAGES)
    form_class = forms.translation_form(slots, languages)
    form = _prepare(form_class(data={"revision": services.revision(draft.definition)}))
    general: list[str] = []
    if form.validate_on_submit():
        texts = {slot.path: {lang: form[f"t{i}_{lang}"].data or "" for lang in languages}
                 for i, slot in enumerate(slots)}
        ok, result = _save(draft, lambda s: editing.apply_texts(s, texts), form,
                           form.revision.data)
        if ok:
            # English keeps "text(s)", as it always said; uk and ru have their plural forms.
            flash(ngettext("Translations saved (%(num)d text(s) changed).",
                           "Translations saved (%(num)d text(s) changed).", result), "success")
            return redirect(url_for("designer.translations", survey_id=survey.id))
        general = result
    rows = [(i, slot, editing.missing_languages(definition, slot)) for i, slot in enumerate(slots)]
    missing = sum(len(m) for _, _, m in rows)
    return render_template("surveys/designer/translations.html", survey=survey, draft=draft,
                           definition=definition, form=form, rows=rows, languages=languages,
                           missing=missing, general=general, language_names=LANGUAGE_NAMES,
                           language_labels=forms.LANGUAGE_LABELS), \
        (422 if request.method == "POST" else 200)


# --- preview ---------------------------------------------------------------------------------

def _preview_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="survey-preview")


def _preview_state(token: str | None, version: SurveyVersion, definition) -> dict[str, Any]:
    """The answers carried by the page (a signed hidden field); nothing on a bad signature or
    another version's state."""
    if not token:
        return {}
    try:
        state = _preview_signer().loads(token)
    except BadSignature:
        return {}
    if not isinstance(state, dict) or state.get("v") != version.id \
            or not isinstance(state.get("a"), dict):
        return {}
    return rendering.answers_from_json(definition, state["a"])


def _preview_token(version: SurveyVersion, answers: dict[str, Any]) -> str:
    return _preview_signer().dumps({"v": version.id, "a": rendering.answers_to_json(answers)})


@bp.route("/<int:survey_id>/versions/<int:number>/preview", methods=["GET", "POST"])
@allow(*REGISTRY)
def preview(survey_id: int, number: int):
    survey, version = _version(survey_id, number)
    definition = version.schema()
    lang = rendering.pick_language(definition, request.args.get("lang"))
    pages = len(definition.sections)
    page = max(1, min(request.args.get("page", 1, type=int), pages + 1))
    answers: dict[str, Any] = {}
    form = None
    if request.method == "POST":
        controls = forms.PreviewForm()
        if not controls.validate_on_submit():
            abort(400)
        answers = _preview_state(controls.state.data, version, definition)
        action = controls.action.data
        if page <= pages and action in ("next", "back"):
            form = rendering.build_form(definition, definition.sections[page - 1], lang, answers,
                                        formdata=request.form)
            if action == "back":
                answers = form.answers()
                target = rendering.previous_section(definition, page - 1, answers)
                page, form = (target + 1 if target is not None else page), None
            elif form.validate():
                answers = form.answers()
                if not form.revealed:
                    target = rendering.next_section(definition, page - 1, answers)
                    page, form = (target + 1 if target is not None else pages + 1), None
            else:
                answers = form.answers()
        elif page > pages and action == "back":
            target = rendering.previous_section(definition, pages, answers)
            page = target + 1 if target is not None else 1
    if page <= pages and form is None:
        form = rendering.build_form(definition, definition.sections[page - 1], lang, answers)
    position = rendering.page_position(definition, page - 1, answers) if page <= pages else None
    is_last = page <= pages and rendering.is_last_page(definition, page - 1, answers)
    has_previous = rendering.previous_section(definition, min(page - 1, pages), answers) \
        is not None
    status = 422 if form is not None and request.method == "POST" and form.error_list else 200
    return render_template(
        "surveys/designer/preview.html", survey=survey, version=version, definition=definition,
        lang=lang, page=page, pages=pages, form=form, position=position, is_last=is_last,
        has_previous=has_previous,
        answers={k: answers[k] for k in definition.answer_keys() if k in answers},
        token=_preview_token(version, answers),
        ui=rendering.UI[lang], languages=rendering.languages_of(definition),
        language_names=LANGUAGE_NAMES, format_answer=rendering.format_answer,
        confirm=forms.ConfirmForm()), status
