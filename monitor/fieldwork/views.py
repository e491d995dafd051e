"""Officer pages of fieldwork: follow-up plans, the due list with links (CSV, a printable sheet
of QR codes, or e-mail when it is configured), revocation, response rates and the response
viewer. Officers and admins only: evaluators never see who was invited or what anyone answered.

Each view loads, validates, calls one service, commits, then redirects or renders. Pages that list
invitations first mark overdue ones expired (``services.expire_overdue``, one UPDATE).
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from monitor import audit
from monitor.auth.access import REGISTRY, allow
from monitor.clock import utcnow
from monitor.extensions import db
from monitor.fieldwork import bp, forms, links, mailer, rates, services, viewer
from monitor.fieldwork.models import INVITATION_STATUSES, Answer, FollowUpPlan, Invitation, Response
from monitor.fieldwork.services import FieldworkError, Selection, WaveSpec
from monitor.i18n import current_locale, number
from monitor.models import AssistedPerson, Provider, Region
from monitor.pagination import paginate
from monitor.registry.forms import options
from monitor.web import ConfirmForm, acting_user_id, svg_data_uri
from reports.fieldwork_charts import RateChartText, response_rate_by_wave
from surveys.models import Survey, SurveyVersion
from surveys.schema import LANGUAGE_NAMES

AUDIENCES = {"person": _l("assisted persons"), "provider": _l("providers")}

# A wave's readable name on every page (the name itself stays the value).
bp.add_app_template_filter(rates.wave_label, "wave_label")


# --- loading -------------------------------------------------------------------------------------

def _plan(plan_id: int) -> FollowUpPlan:
    plan = db.session.get(FollowUpPlan, plan_id)
    if plan is None:
        abort(404)
    return plan


def _regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.name)))


def _region_choices() -> list[SelectChoice]:
    return options([("", _("All regions"))] + [(str(r.id), r.name) for r in _regions()])


def _version_choices() -> list[SelectChoice]:
    """Published versions of surveys that respondents answer, newest first per survey."""
    rows = db.session.execute(
        select(SurveyVersion.id, Survey.id, SurveyVersion.number, Survey.title, Survey.audience)
        .join(Survey, Survey.id == SurveyVersion.survey_id)
        .where(SurveyVersion.status == "published", Survey.audience.in_(list(AUDIENCES)))
        .order_by(Survey.title, Survey.id, SurveyVersion.number.desc())).all()
    return options([("", _("Choose a survey version"))] + [
        (str(vid), forms.version_label(sid, title, number, AUDIENCES[audience]))
        for vid, sid, number, title, audience in rows])




def _due_filter() -> rates.DueFilter:
    args = request.args
    return rates.DueFilter(wave=args.get("wave") or None, region_id=args.get("region", type=int),
                           due_from=args.get("from", type=date.fromisoformat),
                           due_to=args.get("to", type=date.fromisoformat),
                           status=args.get("status") if args.get("status") in INVITATION_STATUSES else None,
                           issued=args.get("issued") if args.get("issued") in ("yes", "no") else None)


def _due_url(plan: FollowUpPlan, form: forms.SelectionForm) -> str:
    """Back to the due list with the filter the action form carried."""
    return url_for("fieldwork.due", plan_id=plan.id, wave=form.wave.data or None,
                   region=form.region.data or None,
                   **{"from": form.due_from.data.isoformat() if form.due_from.data else None,
                      "to": form.due_to.data.isoformat() if form.due_to.data else None})


def _expire() -> None:
    if services.expire_overdue():
        db.session.commit()


# --- plans ---------------------------------------------------------------------------------------

@bp.route("/")
@allow(*REGISTRY)
def index():
    _expire()
    counts = (select(Invitation.plan_id, func.count().label("total"),
                     func.count(Invitation.token_hash).label("issued"),
                     func.count().filter(Invitation.status == "completed").label("completed"))
              .group_by(Invitation.plan_id).subquery())
    rows = db.session.execute(
        select(FollowUpPlan, Survey.title, Survey.audience, SurveyVersion.number,
               Region.name, func.coalesce(counts.c.total, 0), func.coalesce(counts.c.issued, 0),
               func.coalesce(counts.c.completed, 0))
        .join(SurveyVersion, SurveyVersion.id == FollowUpPlan.survey_version_id)
        .join(Survey, Survey.id == SurveyVersion.survey_id)
        .outerjoin(Region, Region.id == FollowUpPlan.region_id)
        .outerjoin(counts, counts.c.plan_id == FollowUpPlan.id)
        .options(selectinload(FollowUpPlan.waves))
        .order_by(FollowUpPlan.status, FollowUpPlan.created_at.desc(), FollowUpPlan.id.desc())).all()
    return render_template("monitor/fieldwork/index.html", rows=rows, audiences=AUDIENCES)


def _wave_rows(form: forms.PlanForm, waves: list[WaveSpec]) -> None:
    for spec in waves:
        form.waves.append_entry({"wave_id": spec.wave_id, "name": spec.name,
                                 "offset_months": spec.offset_months,
                                 "window_before_days": spec.window_before_days,
                                 "window_after_days": spec.window_after_days})
    for _blank in range(forms.BLANK_WAVES):
        form.waves.append_entry({})


def _form_error(form: forms.PlanForm, exc: FieldworkError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and exc.field != "waves":
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


@bp.route("/plans/new", methods=["GET", "POST"])
@allow(*REGISTRY)
def plan_new():
    form = forms.NewPlanForm()
    form.survey_version_id.choices = _version_choices()
    form.region_id.choices = _region_choices()
    if request.method == "GET":
        form.survey_version_id.data = request.args.get("version", type=int)
        _wave_rows(form, services.default_waves())
    if form.validate_on_submit():
        version = db.session.get(SurveyVersion, form.survey_version_id.data)
        try:
            if version is None:
                raise FieldworkError(_("No such survey version."), "survey_version_id")
            plan, result = services.create_plan(
                version, form.title.data or "", form.wave_specs(), form.region_id.data,
                form.anchor_from.data, actor_id=acting_user_id())
        except FieldworkError as exc:
            db.session.rollback()
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Plan created: %(result)s", result=result.describe()), "success")
            return redirect(url_for("fieldwork.plan", plan_id=plan.id))
    return render_template("monitor/fieldwork/plan_form.html", form=form, plan=None,
                           title=_("New follow-up plan"))


@bp.route("/plans/<int:plan_id>")
@allow(*REGISTRY)
def plan(plan_id: int):
    plan = _plan(plan_id)
    _expire()
    return render_template("monitor/fieldwork/plan.html", plan=plan, waves=rates.plan_wave_counts(plan),
                           statuses=INVITATION_STATUSES, labels=rates.STATUS_LABELS,
                           anchors=services.ANCHOR_LABELS, audiences=AUDIENCES, confirm=ConfirmForm())


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@allow(*REGISTRY)
def plan_edit(plan_id: int):
    plan = _plan(plan_id)
    form = forms.EditPlanForm(obj=plan if request.method == "GET" else None)
    form.region_id.choices = _region_choices()
    if request.method == "GET":
        form.waves.entries = []
        _wave_rows(form, [WaveSpec(w.name, w.offset_months, w.window_before_days, w.window_after_days, w.id)
                          for w in plan.waves])
    if form.validate_on_submit():
        try:
            result = services.update_plan(plan, form.title.data or "", form.wave_specs(), form.region_id.data,
                                          form.anchor_from.data, form.status.data, actor_id=acting_user_id())
        except FieldworkError as exc:
            db.session.rollback()
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(_("Plan saved. %(result)s", result=result.describe()) if plan.status == "active"
                  else _("Plan saved. It is closed: no invitations were generated."), "success")
            return redirect(url_for("fieldwork.plan", plan_id=plan.id))
    return render_template("monitor/fieldwork/plan_form.html", form=form, plan=plan,
                           title=_("Edit plan: %(title)s", title=plan.title))


@bp.route("/plans/<int:plan_id>/generate", methods=["POST"])
@allow(*REGISTRY)
def plan_generate(plan_id: int):
    plan = _plan(plan_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        result = services.regenerate(plan, actor_id=acting_user_id())
    except FieldworkError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Invitations brought up to date with the registry: %(result)s", result=result.describe()),
              "success")
    return redirect(url_for("fieldwork.plan", plan_id=plan.id))


# --- due list and links --------------------------------------------------------------------------

@bp.route("/plans/<int:plan_id>/due")
@allow(*REGISTRY)
def due(plan_id: int):
    plan = _plan(plan_id)
    _expire()
    where = _due_filter()
    counts = rates.due_counts(plan, where)
    page = paginate(rates.due_statement(plan, where), page=request.args.get("page", 1, type=int),
                    per_page=current_app.config["PAGE_SIZE"])
    form = forms.LinksForm(formdata=None, wave=where.wave, region=where.region_id,
                           due_from=where.due_from, due_to=where.due_to, as_of=utcnow().isoformat())
    return render_template("monitor/fieldwork/due.html", plan=plan, page=page, counts=counts, where=where,
                           form=form, regions=_regions(), statuses=INVITATION_STATUSES,
                           labels=rates.STATUS_LABELS, today=services.current_date(),
                           mail_enabled=bool(current_app.config.get("MAIL_SERVER")),
                           mail_batch=current_app.config.get("MAIL_BATCH", 0))


@bp.route("/plans/<int:plan_id>/links", methods=["POST"])
@allow(*REGISTRY)
def issue(plan_id: int):
    plan = _plan(plan_id)
    form = forms.LinksForm()
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(error, "error")
        return redirect(_due_url(plan, form))
    scope, mode, output = forms.ACTIONS[form.action.data]
    selection = Selection(ids=tuple(form.ids.data) if scope == "ticked" else (), wave=form.wave.data or None,
                          region_id=form.region.data, due_from=form.due_from.data, due_to=form.due_to.data)
    if output == "email":
        return _email_links(plan, form, selection)
    issued = services.issue_links(plan, selection, reissue=mode == "reissue", as_of=form.as_of.data,
                                  actor_id=acting_user_id(), output=output)
    db.session.commit()
    if scope == "ticked" and len(issued) < len(form.ids.data):
        skipped, ticked = len(form.ids.data) - len(issued), len(form.ids.data)
        if mode == "reissue":
            flash(ngettext("%(skipped)s of the %(num)d ticked invitation got no link: it is closed, or "
                           "its link was issued after this page was opened.",
                           "%(skipped)s of the %(num)d ticked invitations got no link: they are closed, "
                           "or their links were issued after this page was opened.",
                           ticked, skipped=number(skipped)), "warning")
        else:
            flash(ngettext("%(skipped)s of the %(num)d ticked invitation got no link: it already had "
                           "one (use Re-issue) or is closed.",
                           "%(skipped)s of the %(num)d ticked invitations got no link: they already had "
                           "one (use Re-issue) or are closed.",
                           ticked, skipped=number(skipped)), "warning")
    if not issued:
        flash(_("No links were issued."), "warning")
        return redirect(_due_url(plan, form))
    rows = links.link_rows(issued)
    if output == "csv":
        headers, table = links.link_table(rows)
        response = make_response(links.to_csv(headers, table))
        response.mimetype = "text/csv"
        stamp = utcnow().strftime("%Y%m%d-%H%M%S")
        response.headers["Content-Disposition"] = f'attachment; filename="links-plan{plan.id}-{stamp}.csv"'
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("monitor/fieldwork/sheet.html", plan=plan, rows=rows, qr=links.qr_svg,
                           hints=links.card_hints(), reissue=mode == "reissue")


def _email_links(plan: FollowUpPlan, form: forms.LinksForm, selection: Selection):
    """Issue new links to assisted persons with an e-mail address and send them, at most
    MAIL_BATCH per click. A link whose e-mail did not go out is taken back, so the invitation
    can be issued again by e-mail or on paper."""
    settings = mailer.MailSettings.from_config(current_app.config)
    if settings is None:
        flash(_("E-mail is off on this server (MAIL_SERVER is not set): issue the links as a CSV "
                "or a printable sheet."), "error")
        return redirect(_due_url(plan, form))
    batch = current_app.config["MAIL_BATCH"]
    issued = services.issue_links(plan, selection, actor_id=acting_user_id(), output="email",
                                  by_email=True, limit=batch)
    # The links exist before any e-mail names them; a crash after sending loses no link.
    db.session.commit()
    if not issued:
        flash(_("No links were e-mailed: none of the selected invitations is pending without a "
                "link and has an e-mail address on record. Use the CSV or the printable sheet."),
              "warning")
        return redirect(_due_url(plan, form))
    report = mailer.send_links(settings, [(link, links.respondent_link(link.token)) for link in issued])
    if report.failed:
        # The audit log keeps the reason in English; the page says it in the officer's language.
        services.withdraw_links(plan, [link for link, _reason in report.failed], str(report.failed[0][1]),
                                actor_id=acting_user_id())
    audit.record("invitation_links_emailed", target=f"followup_plan:{plan.id}", user_id=acting_user_id(),
                 count=len(report.sent), failed=len(report.failed))
    db.session.commit()
    if report.sent:
        flash(ngettext("%(num)d link e-mailed.", "%(num)d links e-mailed.", len(report.sent)), "success")
    if report.failed:
        flash(ngettext("%(num)d e-mail could not be sent: %(reason)s. That invitation keeps no link; "
                       "send again or use the CSV.",
                       "%(num)d e-mails could not be sent: %(reason)s. Those invitations keep no link; "
                       "send again or use the CSV.",
                       len(report.failed), reason=report.failed[0][1].translated()), "error")
    if selection.ids and len(issued) < len(selection.ids):
        flash(ngettext("%(skipped)s of the %(num)d ticked invitation was not e-mailed: no e-mail "
                       "address on record, a link already issued, or closed.",
                       "%(skipped)s of the %(num)d ticked invitations were not e-mailed: no e-mail "
                       "address on record, a link already issued, or closed.",
                       len(selection.ids), skipped=number(len(selection.ids) - len(issued))), "warning")
    elif len(issued) == batch:
        flash(ngettext("At most %(num)d link is e-mailed at a time: send again for the rest.",
                       "At most %(num)d links are e-mailed at a time: send again for the rest.", batch),
              "warning")
    return redirect(_due_url(plan, form))


@bp.route("/plans/<int:plan_id>/revoke", methods=["POST"])
@allow(*REGISTRY)
def revoke(plan_id: int):
    plan = _plan(plan_id)
    form = forms.RevokeForm()
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(error, "error")
        return redirect(_due_url(plan, form))
    n = services.revoke(plan, Selection(ids=tuple(form.ids.data)), actor_id=acting_user_id())
    db.session.commit()
    if n:
        flash(ngettext("%(num)d invitation revoked: its link no longer opens the survey.",
                       "%(num)d invitations revoked: their links no longer open the survey.", n), "success")
    else:
        flash(_("Nothing revoked: completed, declined, expired or revoked invitations stay as they are."),
              "warning")
    return redirect(_due_url(plan, form))


# --- response rates and the response viewer ------------------------------------------------------

def _surveys() -> list[tuple[int, str]]:
    return db.session.execute(select(Survey.id, Survey.title).where(
        Survey.id.in_(select(SurveyVersion.survey_id).join(
            FollowUpPlan, FollowUpPlan.survey_version_id == SurveyVersion.id)))
        .order_by(Survey.title)).all()


@bp.route("/rates")
@allow(*REGISTRY)
def rates_page():
    _expire()
    survey_id = request.args.get("survey", type=int)
    region_id = request.args.get("region", type=int)
    today = services.current_date()
    table = rates.response_rates(today, survey_id=survey_id, region_id=region_id)
    waves = rates.by_wave(table)
    chart = svg_data_uri(response_rate_by_wave(waves, _chart_text(waves["wave"])))
    return render_template("monitor/fieldwork/rates.html", table=table.to_dict("records"),
                           waves=waves.to_dict("records"), chart=chart, surveys=_surveys(),
                           regions=_regions(), statuses=INVITATION_STATUSES, labels=rates.STATUS_LABELS,
                           today=today)


def _chart_text(waves) -> RateChartText:
    """The rate chart's words in the page's language (``reports`` knows no Flask)."""
    return RateChartText(no_invitations=_("No invitations yet"), not_open_yet=_("not open yet"),
                         rate=_("{percent} · {completed} of {eligible}"),
                         wave_names={name: rates.wave_label(name) for name in waves}, number=number)


@bp.route("/responses")
@allow(*REGISTRY)
def responses():
    args = request.args
    status = args.get("status") if args.get("status") in ("draft", "submitted", "declined") else None
    stmt = rates.responses_statement(survey_id=args.get("survey", type=int), plan_id=args.get("plan", type=int),
                                     wave=args.get("wave") or None, status=status)
    page = paginate(stmt, page=args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"])
    return render_template("monitor/fieldwork/responses.html", page=page, surveys=_surveys())


@bp.route("/responses/<int:response_id>")
@allow(*REGISTRY)
def response_view(response_id: int):
    response = db.session.get(Response, response_id)
    if response is None:
        abort(404)
    invitation = response.invitation
    version = db.session.get(SurveyVersion, response.survey_version_id)
    answers = dict(db.session.execute(select(Answer.question_key, Answer.value)
                                      .where(Answer.response_id == response.id)).all())
    schema = version.schema()
    # The questions in the page's language where the survey has it, else its default language.
    language = current_locale() if current_locale() in schema.languages else schema.default_language
    sections, extra = viewer.labelled(schema, answers, language)
    respondent = (db.session.get(AssistedPerson, invitation.person_id) if invitation.person_id
                  else db.session.get(Provider, invitation.provider_id))
    services.record_response_viewed(response, actor_id=acting_user_id())
    db.session.commit()
    return render_template("monitor/fieldwork/response.html", response=response, invitation=invitation,
                           version=version, sections=sections, extra=extra,
                           code=respondent.code if respondent else "?", language_names=LANGUAGE_NAMES,
                           shown_in=language)
