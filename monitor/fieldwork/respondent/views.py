"""The respondent's pages. Every one is public (the link is the credential) and works without
JavaScript; each view loads the visit, validates, calls one service, commits, then redirects
or renders.

The browser's signed Flask session holds only a random respondent-session id (its hash is in
the database) and, after a session ends, which notice to show and in which language. The link's
token appears in one URL only, ``/r/<token>``, which redirects at once to a URL without it:
straight to where the respondent is (consent, a page, the review or the thanks), as ``/r/``
would, saving the browser a round trip; giving consent leads straight to the first page too.
"""

from __future__ import annotations

import os
from typing import Any

from flask import (
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from monitor.auth.access import public
from monitor.extensions import db
from monitor.fieldwork.respondent import bp, forms, i18n, inputs, previews, services, summary
from monitor.fieldwork.respondent.services import REVIEW, Visit
from surveys import rendering
from surveys.schema import LANGUAGE_NAMES, LANGUAGES, QuestionType, Survey

#: Keys of the Flask session this blueprint uses.
SESSION_KEY = "respondent"
LANGUAGE_KEY = "respondent_lang"
#: Where the quick-exit button goes unless ``QUICK_EXIT_URL`` says otherwise.
DEFAULT_EXIT_URL = "https://www.google.com/search?q=weather"
#: Notices shown without a session, by name.
NOTICES = ("unknown", "too_many", "ended", "saved", "declined", "unavailable")
#: The cookie a quick exit leaves: the respondent's language and nothing else. While it is
#: there, every respondent page but a link is the neutral ``unavailable`` notice in that
#: language: what the browser's Back shows after a quick exit names no survey.
EXIT_COOKIE = "lang"
#: The pages a browser may still reach after a quick exit, besides the neutral notice: a link
#: (it opens the survey again and drops the cookie) and the exit itself.
AFTER_EXIT = frozenset({"respondent.open", "respondent.quick_exit"})

bp.add_app_template_filter(rendering.paragraphs, "paragraphs")


@bp.record_once
def _defaults(state) -> None:
    """Where quick exit goes and whom respondents may contact, from the environment."""
    config = state.app.config
    config.setdefault("QUICK_EXIT_URL", os.environ.get("QUICK_EXIT_URL") or DEFAULT_EXIT_URL)
    config.setdefault("RESPONDENT_CONTACT", os.environ.get("RESPONDENT_CONTACT") or None)


# --- every request ---------------------------------------------------------------------------

@bp.before_request
def _anonymous_unless_staff() -> None:
    """Respondent pages never use the staff user, but Flask-Login's template context loads it
    for every page drawn; for a session without a staff login, its session protection then
    re-signs the cookie and clears a remember cookie that does not exist (two Set-Cookie
    headers a page). Without a staff login the user is anonymous whatever is loaded, so it is
    set at once; a staff login is loaded and checked as usual."""
    if "_user_id" not in session:
        g._login_user = current_app.login_manager.anonymous_user()


@bp.before_request
def _after_quick_exit() -> WerkzeugResponse | None:
    """After a quick exit (see ``EXIT_COOKIE``) a page of the survey, asked for again by the
    browser's Back or a tab left open, is the neutral notice; its URL does not say which page
    (a section's key might name its subject)."""
    if not _exited() or request.endpoint in AFTER_EXIT or _neutral_notice():
        return None
    return redirect(url_for(".notice", reason="unavailable"), 303)


def _neutral_notice() -> bool:
    return (request.endpoint == "respondent.notice"
            and (request.view_args or {}).get("reason") == "unavailable")


def _exited() -> bool:
    return request.cookies.get(EXIT_COOKIE) is not None


@bp.after_request
def _private(response: WerkzeugResponse) -> WerkzeugResponse:
    """Nothing a respondent sees may be cached, indexed or followed by a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


@bp.context_processor
def _layout() -> dict[str, Any]:
    return {"lang": i18n.current_language(), "language_names": LANGUAGE_NAMES,
            "exit_url": current_app.config["QUICK_EXIT_URL"],
            "contact": current_app.config.get("RESPONDENT_CONTACT"),
            "gettext": i18n.template_gettext()}


def _session_id() -> str | None:
    value = session.get(SESSION_KEY)
    return value if isinstance(value, str) else None


def _public_language(default: str | None = None) -> str:
    """The language of a page without a visit: asked for (``?lang``), the session's or the
    one remembered after it ended (in the Flask session, or after a quick exit in
    ``EXIT_COOKIE``), the survey's default, then the browser's."""
    asked = request.args.get("lang")
    for candidate in (asked, services.session_language(_session_id()),
                      session.get(LANGUAGE_KEY), request.cookies.get(EXIT_COOKIE), default,
                      i18n.browser_language()):
        if candidate in LANGUAGES:
            return candidate
    return i18n.FALLBACK


def _visit() -> Visit:
    """The browser's live visit, in its language; otherwise the page that says why."""
    if request.method == "GET":
        services.read_without_transaction()
    try:
        visit = services.load_visit(_session_id())
    except services.SessionOver:
        db.session.commit()  # an idle session was ended
        abort(redirect(url_for(".notice", reason="ended"), 303))
    except services.LinkClosed as closed:
        db.session.commit()
        abort(_closed_page(closed))
    if visit.touched:
        db.session.commit()  # last_seen_at, kept even if the rest of the request fails
    i18n.use_language(visit.language)
    g.respondent_visit = visit
    return visit


def _destination(visit: Visit) -> str:
    """Where the respondent is: what ``/r/`` redirects to (consent, a page, the review, the
    thanks)."""
    if visit.response.status != "draft":
        return url_for(".done")
    if visit.response.consent != "given":
        return url_for(".consent")
    target = services.resume_at(visit)
    if target == REVIEW:
        return url_for(".review")
    return url_for(".section", key=target)


def _not_answering(visit: Visit) -> WerkzeugResponse | None:
    """Where to send a visit that cannot answer now (no consent yet, submitted, declined)."""
    if visit.response.status != "draft":
        return redirect(url_for(".done"), 303)
    if visit.response.consent != "given":
        return redirect(url_for(".consent"), 303)
    return None


def _languages(survey: Survey | None) -> list[str]:
    return list(rendering.languages_of(survey)) if survey is not None else list(LANGUAGES)


# --- the link --------------------------------------------------------------------------------

@bp.get("/<token>", endpoint="open")
@public
def open_link(token: str):
    """Exchange the link's token for a session and leave the token's URL at once, for where
    the respondent is (the consent page the first time). A link preview gets a neutral page and
    opens nothing."""
    if previews.is_preview_fetch(request.method, request.user_agent.string):
        return _notice_page("preview", 200)
    try:
        session_id, visit = services.open_link(token, request.remote_addr, _session_id())
    except services.TooManyAttempts:
        db.session.commit()
        return _notice_page("too_many", 429, headers={"Retry-After": "900"})
    except services.LinkUnknown:
        db.session.commit()
        return _notice_page("unknown", 404)
    except services.LinkClosed as closed:
        db.session.commit()
        return _closed_page(closed)
    db.session.commit()
    session.pop(LANGUAGE_KEY, None)
    session[SESSION_KEY] = session_id
    response = redirect(_destination(visit), 303)
    if _exited():
        _drop_exit_cookie(response)
    return response


def _closed_page(closed: services.LinkClosed) -> WerkzeugResponse:
    survey = closed.instrument.full
    language = _public_language(survey.default_language)
    i18n.use_language(language)
    offered = _languages(survey)
    opens = i18n.long_date(closed.invitation.opens_on) if closed.reason == "not_open" else None
    status = 410 if closed.reason in ("expired", "revoked") else 200
    html = render_template("monitor/respondent/closed.html", reason=closed.reason, opens=opens,
                           languages=offered or list(LANGUAGES), language_links=True)
    return current_app.make_response((html, status))


@bp.get("/notice/<reason>")
@public
def notice(reason: str):
    """A page that needs no session: a link that does not work, a session that is over, the
    neutral page after a quick exit."""
    if reason not in NOTICES:
        reason = "ended"
    return _notice_page(reason, 200)


def _notice_page(reason: str, status: int, headers: dict[str, str] | None = None):
    i18n.use_language(_public_language())
    html = render_template("monitor/respondent/notice.html", reason=reason,
                           languages=list(LANGUAGES), language_links=True)
    return html, status, headers or {}


# --- where to go -----------------------------------------------------------------------------

@bp.get("/")
@public
def resume():
    """Back to where the respondent stopped: consent, a page, the review, or the thanks."""
    visit = _visit()
    return redirect(_destination(visit), 303)


# --- consent ---------------------------------------------------------------------------------

@bp.route("/consent", methods=["GET", "POST"])
@public
def consent():
    visit = _visit()
    if visit.response.status != "draft" or visit.response.consent == "given":
        return redirect(url_for(".resume"), 303)
    if request.method == "GET":
        return _consent_page(visit, confirm=False)
    form = forms.ConsentForm(formdata=inputs.posted_form())
    if not form.validate():
        abort(400)
    choice = form.choice.data
    if choice == "back":
        return redirect(url_for(".consent"), 303)
    if choice == "no":
        return _consent_page(visit, confirm=True)
    if choice == "yes":
        services.give_consent(visit)
        db.session.commit()
        return redirect(_destination(visit), 303)
    services.refuse_consent(visit)
    db.session.commit()
    _forget_session(visit.language)
    return redirect(url_for(".notice", reason="declined"), 303)


def _consent_page(visit: Visit, confirm: bool):
    survey = visit.instrument.full
    lang = visit.language
    return render_template(
        "monitor/respondent/consent.html", confirm=confirm,
        title=survey.text(survey.title, lang),
        description=survey.text(survey.description, lang) if survey.description else "",
        intro=[survey.text(text, lang) for text in visit.instrument.intro],
        languages=_languages(survey), back="consent")


# --- a page of the survey --------------------------------------------------------------------

@bp.route("/s/<key>", methods=["GET", "POST"])
@public
def section(key: str):
    visit = _visit()
    elsewhere = _not_answering(visit)
    if elsewhere is not None:
        return elsewhere
    index = visit.instrument.section_index(key)
    if index is None or not rendering.visible_questions(
            visit.survey, visit.survey.sections[index], visit.answers):
        return redirect(url_for(".resume"), 303)
    if request.method == "GET":
        form = visit.instrument.form(index, visit.language, visit.answers)
        return _section_page(visit, index, form, from_review=request.args.get("review") == "1")

    data = inputs.posted_form()
    controls = forms.PageControls(formdata=data)
    if not controls.validate():
        abort(400)
    from_review = controls.review.data == "1"
    form = visit.instrument.form(index, visit.language, visit.answers, formdata=data)
    answers, too_long = _draft_answers(visit, form)
    action = controls.action.data

    if action == "next":
        valid = form.validate() and not too_long
        if not valid or form.revealed:
            target = key
        else:
            target = REVIEW if from_review else services.after(visit, index, answers)
        services.save_draft(visit, answers, target)
        db.session.commit()
        if not valid:
            _mark_too_long(form, too_long)
            return _section_page(visit, index, form, from_review, status=422)
        if form.revealed:
            return _section_page(visit, index, form, from_review)
        if target == REVIEW or from_review:
            return redirect(url_for(".review"), 303)
        return redirect(url_for(".section", key=target), 303)

    # Back, Save and continue later, a language: save without the checks of Next, except
    # that an answer too long to keep is said so (the earlier one stays saved) and the
    # respondent stays on the page to shorten it.
    previous = services.before(visit, index, answers) if action == "back" else None
    services.save_draft(visit, answers, key if too_long else previous or key)
    if controls.language:
        services.set_language(visit, controls.language)
    if too_long:
        db.session.commit()
        i18n.use_language(visit.language)
        form = visit.instrument.form(index, visit.language, visit.answers, formdata=data)
        _mark_too_long(form, too_long)
        return _section_page(visit, index, form, from_review, status=422)
    if action == "save":
        services.end_session(_session_id())
        db.session.commit()
        _forget_session(visit.language)
        return redirect(url_for(".notice", reason="saved"), 303)
    db.session.commit()
    if previous is not None:
        return redirect(url_for(".section", key=previous), 303)
    return redirect(url_for(".section", key=key, review="1" if from_review else None), 303)


def _draft_answers(visit: Visit, form: rendering.SectionForm) -> tuple[dict[str, Any], set[str]]:
    """The answers to save from a posted page, and the keys whose posted value cannot be kept
    (too long); for those, and for values that do not read (``abc`` as a number), the earlier
    answer stays, so a slip of the finger never deletes a saved answer."""
    too_long: set[str] = set()
    page: dict[str, Any] = {}
    for name, answer_field in form._fields.items():
        if answer_field.process_errors:
            if name in form.before:
                page[name] = form.before[name]
            continue
        value = answer_field.answer()
        if isinstance(value, str) and len(value) > _limit(answer_field):
            too_long.add(name)
            if name in form.before:
                page[name] = form.before[name]
            continue
        if value is not None:
            page[name] = value
    own = {k for q in form.section.questions for k in q.answer_keys()}
    kept = {k: v for k, v in visit.answers.items() if k not in own}
    return rendering.settle(visit.survey, {**kept, **page}), too_long


def _limit(answer_field) -> int:
    if answer_field.question.type == QuestionType.long_text:
        return rendering.LONG_TEXT_MAX
    return rendering.TEXT_MAX


def _mark_too_long(form: rendering.SectionForm, keys: set[str]) -> None:
    for key in keys:
        answer_field = form._fields[key]
        message = rendering.ui(form.language, "too_long", maximum=_limit(answer_field))
        if message not in answer_field.errors:
            answer_field.errors = [*answer_field.errors, message]


def _section_page(visit: Visit, index: int, form: rendering.SectionForm, from_review: bool,
                  status: int = 200):
    survey = visit.survey
    answers = form.values or visit.answers
    position = rendering.page_position(survey, index, answers)
    return render_template(
        "monitor/respondent/section.html", form=form, section_key=survey.sections[index].key,
        survey_title=survey.text(visit.instrument.full.title, visit.language),
        position=position, is_last=rendering.is_last_page(survey, index, answers),
        has_previous=services.before(visit, index, answers) is not None,
        from_review=from_review, languages=_languages(visit.instrument.full)), status


# --- review and submit -----------------------------------------------------------------------

@bp.get("/review")
@public
def review():
    visit = _visit()
    elsewhere = _not_answering(visit)
    if elsewhere is not None:
        return elsewhere
    pages = summary.review_pages(visit.survey, services.pages(visit), visit.answers,
                                 visit.language)
    return render_template("monitor/respondent/review.html", pages=pages,
                           survey_title=visit.survey.text(visit.instrument.full.title,
                                                          visit.language),
                           languages=_languages(visit.instrument.full), back="review")


@bp.post("/submit")
@public
def submit():
    """Send the answers, exactly once: a repeat of this request shows the same thanks. (The
    form has nothing but its CSRF token, which ``CSRFProtect`` checked before this view.)"""
    visit = _visit()
    try:
        services.submit(visit)
    except services.AnswersInvalid as invalid:
        db.session.rollback()
        return _section_page(visit, invalid.index, invalid.form, from_review=True, status=422)
    except services.AnswersChanged:
        db.session.rollback()
        return redirect(url_for(".review"), 303)
    except services.ResponseClosed:
        db.session.rollback()
        return redirect(url_for(".resume"), 303)
    db.session.commit()
    return redirect(url_for(".done"), 303)


@bp.get("/done")
@public
def done():
    """The thank-you page of a submitted response."""
    visit = _visit()
    if visit.response.status == "declined":
        return redirect(url_for(".notice", reason="declined"), 303)
    if visit.response.status != "submitted":
        return redirect(url_for(".resume"), 303)
    return render_template("monitor/respondent/thanks.html",
                           languages=_languages(visit.instrument.full), back="done")


# --- language and exit -----------------------------------------------------------------------

@bp.post("/language")
@public
def language():
    """Switch the language of the pages that have no answers on them."""
    visit = _visit()
    form = forms.LanguageForm(formdata=inputs.posted_form())
    if not form.validate():
        abort(400)
    services.set_language(visit, form.language.data)
    db.session.commit()
    return redirect(url_for(f".{form.back.data}"), 303)


@bp.get("/exit")
@public
def quick_exit():
    """Leave at once for a neutral site, ending the session on the server first. A plain
    link, so it works without JavaScript; the script only also replaces the history entry.
    Only the language is left in the browser (``EXIT_COOKIE``), for the neutral page that Back
    shows afterwards."""
    language = _public_language()
    services.end_session(_session_id())
    db.session.commit()
    if session.get("_user_id"):
        for key in (SESSION_KEY, LANGUAGE_KEY):
            session.pop(key, None)
    else:
        session.clear()
    response = redirect(current_app.config["QUICK_EXIT_URL"], 303)
    # A cookie of the browser session, for the respondent pages only.
    response.set_cookie(EXIT_COOKIE, language, path=url_for(".resume"), httponly=True,
                        samesite="Lax", secure=request.is_secure)
    return response


def _drop_exit_cookie(response: WerkzeugResponse) -> None:
    response.delete_cookie(EXIT_COOKIE, path=url_for(".resume"), httponly=True, samesite="Lax",
                           secure=request.is_secure)


def _forget_session(language: str) -> None:
    """The browser's session is over (declined, saved for later): keep only its language."""
    session.pop(SESSION_KEY, None)
    session[LANGUAGE_KEY] = language


# --- errors in the respondent's words --------------------------------------------------------

@bp.errorhandler(inputs.UnreadableInput)
def _unreadable(exc: inputs.UnreadableInput):  # noqa: ARG001
    db.session.rollback()
    return _error_page("unreadable", 400)


@bp.errorhandler(CSRFError)
def _csrf(exc: CSRFError):  # noqa: ARG001
    db.session.rollback()
    return _error_page("expired_form", 400)


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    db.session.rollback()
    code = exc.code or 500
    kind = {413: "too_large", 404: "not_found"}.get(code, "bad_request")
    return _error_page(kind, code)


@bp.errorhandler(services.ResponseClosed)
def _closed(exc: services.ResponseClosed):  # noqa: ARG001
    db.session.rollback()
    return redirect(url_for(".resume"), 303)


def _error_page(kind: str, status: int):
    if _exited():
        return redirect(url_for(".notice", reason="unavailable"), 303)
    i18n.use_language(_public_language())
    return render_template("monitor/respondent/error.html", kind=kind,
                           languages=list(LANGUAGES), language_links=False), status

