"""Officer pages to list, view, create and edit registry records.

Each list has a search box (on the pseudonymous code or the name), filters and pagination; each
view loads, validates, calls one service in ``services``, commits, then redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from monitor.auth.access import REGISTRY, allow
from monitor.clock import programme_date
from monitor.exposure import exposure_for
from monitor.extensions import db
from monitor.fieldwork import services as fieldwork
from monitor.fieldwork.models import LIVE_STATUSES, Invitation, Response
from monitor.models import (
    MODULES,
    ORGANISATION_KINDS,
    PROFESSIONS,
    SERVICES,
    AssistanceEpisode,
    AssistedPerson,
    Organisation,
    Provider,
    Region,
    TrainingAttendance,
    TrainingSession,
)
from monitor.models.registry import EXPLOIT_TYPE_LABELS, GENDER_LABELS
from monitor.pagination import Page, paginate
from monitor.registry import bp, forms, services
from monitor.registry.display import region_name
from monitor.registry.services import RegistryError
from monitor.web import show_error
from surveys.models import Survey, SurveyVersion


@dataclass(frozen=True, slots=True)
class PersonInvitation:
    """One line of a person's follow-up: which survey, when due, where it stands."""

    wave: str
    survey: str
    version: int
    due_on: date
    status: str
    response_id: int | None
    submitted_on: date | None


def _paginate(stmt: Select) -> Page:
    return paginate(stmt, page=request.args.get("page", 1, type=int),
                    per_page=current_app.config["PAGE_SIZE"])


def _regions() -> list[Region]:
    """Every region, in the order of their names in the page's language."""
    return sorted(db.session.scalars(select(Region)), key=lambda r: region_name(r).casefold())


def _region_choices():
    return forms.options((r.id, region_name(r)) for r in _regions())


def _get(model, obj_id: int):
    obj = db.session.get(model, obj_id)
    if obj is None:
        abort(404)
    return obj


def _search(stmt: Select, *columns) -> Select:
    q = request.args.get("q", "").strip()
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(or_(*(func.lower(c).like(pattern) for c in columns)))
    return stmt


def _filter_region(stmt: Select, column) -> Select:
    region_id = request.args.get("region", type=int)
    return stmt.where(column == region_id) if region_id else stmt


def _edit(form: FlaskForm, obj, save: Callable[[Any, dict], Any], title: str,
          done: Callable[[Any], str]):
    """The create/edit round trip shared by every registry form."""
    if form.validate_on_submit():
        data = {name: field.data for name, field in form._fields.items()
                if name not in ("csrf_token", "submit")}
        try:
            saved = save(obj, data)
        except RegistryError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(done(saved))
    return render_template("monitor/registry/form.html", form=form, title=title,
                           cancel=request.referrer if request.referrer else url_for("home.index"))


# Regions ----------------------------------------------------------------------------------

@bp.route("/regions")
@allow(*REGISTRY)
def regions():
    providers = (select(Provider.region_id, func.count().label("n"))
                 .group_by(Provider.region_id).subquery())
    persons = (select(AssistedPerson.region_id, func.count().label("n"))
               .group_by(AssistedPerson.region_id).subquery())
    stmt = (select(Region, func.coalesce(providers.c.n, 0), func.coalesce(persons.c.n, 0))
            .outerjoin(providers, providers.c.region_id == Region.id)
            .outerjoin(persons, persons.c.region_id == Region.id)
            .order_by(Region.joined_year, Region.name))
    rows = db.session.execute(_search(stmt, Region.name, Region.code)).all()
    return render_template("monitor/registry/regions.html", rows=rows)


@bp.route("/regions/new", methods=["GET", "POST"])
@bp.route("/regions/<int:region_id>/edit", methods=["GET", "POST"])
@allow(*REGISTRY)
def region_edit(region_id: int | None = None):
    region = _get(Region, region_id) if region_id else Region()
    form = forms.RegionForm(obj=region)
    return _edit(form, region, services.save_region,
                 _("Edit region %(name)s", name=region_name(region)) if region_id else _("New region"),
                 lambda r: url_for("registry.regions"))


# Organisations ----------------------------------------------------------------------------

@bp.route("/organisations")
@allow(*REGISTRY)
def organisations():
    stmt = (select(Organisation).options(joinedload(Organisation.region))
            .join(Region).order_by(Region.name, Organisation.name))
    stmt = _filter_region(_search(stmt, Organisation.name), Organisation.region_id)
    kind = request.args.get("kind")
    if kind in ORGANISATION_KINDS:
        stmt = stmt.where(Organisation.kind == kind)
    return render_template("monitor/registry/organisations.html", page=_paginate(stmt),
                           regions=_regions(), kinds=ORGANISATION_KINDS)


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@allow(*REGISTRY)
def organisation_edit(org_id: int | None = None):
    org = _get(Organisation, org_id) if org_id else Organisation()
    form = forms.OrganisationForm(obj=org)
    form.region_id.choices = _region_choices()
    return _edit(form, org, services.save_organisation,
                 _("Edit organisation %(name)s", name=org.name) if org_id else _("New organisation"),
                 lambda o: url_for("registry.organisations"))


# Providers --------------------------------------------------------------------------------

@bp.route("/providers")
@allow(*REGISTRY)
def providers():
    trained = (select(TrainingAttendance.provider_id,
                      func.sum(TrainingAttendance.hours_attended).label("hours"),
                      func.count().label("sessions"))
               .group_by(TrainingAttendance.provider_id).subquery())
    stmt = (select(Provider, func.coalesce(trained.c.hours, 0), func.coalesce(trained.c.sessions, 0))
            .options(joinedload(Provider.region), joinedload(Provider.organisation))
            .outerjoin(trained, trained.c.provider_id == Provider.id)
            .order_by(Provider.code))
    stmt = _filter_region(_search(stmt, Provider.code), Provider.region_id)
    profession = request.args.get("profession")
    if profession in PROFESSIONS:
        stmt = stmt.where(Provider.profession == profession)
    status = request.args.get("trained")
    if status == "yes":
        stmt = stmt.where(trained.c.sessions > 0)
    elif status == "no":
        stmt = stmt.where(trained.c.sessions.is_(None))
    page = _paginate(stmt)
    return render_template("monitor/registry/providers.html", page=page, regions=_regions(),
                           professions=PROFESSIONS)


@bp.route("/providers/<int:provider_id>")
@allow(*REGISTRY)
def provider_view(provider_id: int):
    provider = _get(Provider, provider_id)
    training = db.session.execute(
        select(TrainingSession, TrainingAttendance.hours_attended)
        .join(TrainingAttendance, TrainingAttendance.session_id == TrainingSession.id)
        .where(TrainingAttendance.provider_id == provider.id)
        .order_by(TrainingSession.held_on)).all()
    episodes = db.session.execute(
        select(AssistanceEpisode, AssistedPerson.code)
        .join(AssistedPerson, AssistedPerson.id == AssistanceEpisode.person_id)
        .where(AssistanceEpisode.provider_id == provider.id)
        .order_by(AssistanceEpisode.started_on.desc()).limit(100)).all()
    n_episodes = db.session.scalar(select(func.count()).where(
        AssistanceEpisode.provider_id == provider.id))
    return render_template("monitor/registry/provider.html", provider=provider, training=training,
                           episodes=episodes, n_episodes=n_episodes, professions=PROFESSIONS,
                           modules=MODULES, services=SERVICES)


@bp.route("/providers/new", methods=["GET", "POST"])
@bp.route("/providers/<int:provider_id>/edit", methods=["GET", "POST"])
@allow(*REGISTRY)
def provider_edit(provider_id: int | None = None):
    provider = _get(Provider, provider_id) if provider_id else Provider()
    form = forms.ProviderForm(obj=provider)
    form.region_id.choices = _region_choices()
    orgs = db.session.execute(select(Organisation.id, Organisation.name, Region)
                              .join(Region).order_by(Region.name, Organisation.name)).all()
    form.organisation_id.choices = forms.options(
        [("", _("None"))] + [(o, f"{n} ({region_name(r)})") for o, n, r in orgs])
    return _edit(form, provider, services.save_provider,
                 _("Edit provider %(code)s", code=provider.code) if provider_id else _("New provider"),
                 lambda p: url_for("registry.provider_view", provider_id=p.id))


# Training sessions ------------------------------------------------------------------------

@bp.route("/training")
@allow(*REGISTRY)
def sessions():
    attendance = (select(TrainingAttendance.session_id, func.count().label("n"))
                  .group_by(TrainingAttendance.session_id).subquery())
    stmt = (select(TrainingSession, func.coalesce(attendance.c.n, 0))
            .options(joinedload(TrainingSession.region))
            .outerjoin(attendance, attendance.c.session_id == TrainingSession.id)
            .order_by(TrainingSession.held_on.desc(), TrainingSession.code))
    stmt = _filter_region(_search(stmt, TrainingSession.code), TrainingSession.region_id)
    year = request.args.get("year", type=int)
    if year:
        stmt = stmt.where(TrainingSession.held_on.between(date(year, 1, 1), date(year, 12, 31)))
    page = _paginate(stmt)
    return render_template("monitor/registry/sessions.html", page=page, regions=_regions(),
                           modules=MODULES)


@bp.route("/training/<int:session_id>", methods=["GET", "POST"])
@allow(*REGISTRY)
def session_view(session_id: int):
    session = _get(TrainingSession, session_id)
    form = forms.AttendanceForm()
    if form.validate_on_submit():
        try:
            services.add_attendance(session, form.provider_code.data, form.hours_attended.data)
        except RegistryError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Attendance recorded."), "success")
            return redirect(url_for("registry.session_view", session_id=session.id))
    rows = db.session.execute(
        select(TrainingAttendance, Provider)
        .join(Provider, Provider.id == TrainingAttendance.provider_id)
        .where(TrainingAttendance.session_id == session.id).order_by(Provider.code)).all()
    return render_template("monitor/registry/session.html", session=session, rows=rows, form=form,
                           remove_form=forms.ConfirmForm(), modules=MODULES,
                           professions=PROFESSIONS)


@bp.route("/training/<int:session_id>/attendance/<int:row_id>/delete", methods=["POST"])
@allow(*REGISTRY)
def session_attendance_delete(session_id: int, row_id: int):
    row = _get(TrainingAttendance, row_id)
    if row.session_id != session_id or not forms.ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_attendance(row)
    db.session.commit()
    flash(_("Attendance removed."), "success")
    return redirect(url_for("registry.session_view", session_id=session_id))


@bp.route("/training/new", methods=["GET", "POST"])
@bp.route("/training/<int:session_id>/edit", methods=["GET", "POST"])
@allow(*REGISTRY)
def session_edit(session_id: int | None = None):
    session = _get(TrainingSession, session_id) if session_id else TrainingSession()
    form = forms.SessionForm(obj=session)
    form.region_id.choices = _region_choices()
    if request.method == "GET" and session_id:
        form.modules.data = session.module_list
    return _edit(form, session, services.save_session,
                 _("Edit training session %(code)s", code=session.code) if session_id
                 else _("New training session"),
                 lambda s: url_for("registry.session_view", session_id=s.id))


# Assisted persons -------------------------------------------------------------------------

@bp.route("/persons")
@allow(*REGISTRY)
def persons():
    episodes = (select(AssistanceEpisode.person_id, func.count().label("n"))
                .group_by(AssistanceEpisode.person_id).subquery())
    stmt = (select(AssistedPerson, func.coalesce(episodes.c.n, 0))
            .options(joinedload(AssistedPerson.region))
            .outerjoin(episodes, episodes.c.person_id == AssistedPerson.id)
            .order_by(AssistedPerson.code))
    stmt = _filter_region(_search(stmt, AssistedPerson.code), AssistedPerson.region_id)
    for arg, column in (("gender", AssistedPerson.gender),
                        ("exploit", AssistedPerson.type_of_exploit)):
        value = request.args.get(arg)
        if value:
            stmt = stmt.where(column == value)
    page = _paginate(stmt)
    return render_template("monitor/registry/persons.html", page=page, regions=_regions(),
                           genders=GENDER_LABELS.items(), exploits=EXPLOIT_TYPE_LABELS.items())


def _person_invitations(person_id: int) -> list[PersonInvitation]:
    """The person's invitations, each with its survey version and response, in one query.

    An invitation whose window closed unanswered shows as expired, as the fieldwork pages would
    mark it, without writing on a page view.
    """
    today = fieldwork.current_date()
    rows = db.session.execute(
        select(Invitation.wave, Invitation.due_on, Invitation.closes_on, Invitation.status,
               Survey.title, SurveyVersion.number, Response.id, Response.submitted_at)
        .join(SurveyVersion, SurveyVersion.id == Invitation.survey_version_id)
        .join(Survey, Survey.id == SurveyVersion.survey_id)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.person_id == person_id)
        .order_by(Invitation.due_on, Invitation.wave, Invitation.id)).all()
    return [PersonInvitation(wave, title, number, due_on,
                             "expired" if status in LIVE_STATUSES and closes_on < today else status,
                             response_id, programme_date(submitted_at) if submitted_at else None)
            for wave, due_on, closes_on, status, title, number, response_id, submitted_at in rows]


@bp.route("/persons/<int:person_id>")
@allow(*REGISTRY)
def person_view(person_id: int):
    person = _get(AssistedPerson, person_id)
    episodes = db.session.execute(
        select(AssistanceEpisode, Provider)
        .join(Provider, Provider.id == AssistanceEpisode.provider_id)
        .where(AssistanceEpisode.person_id == person.id)
        .order_by(AssistanceEpisode.started_on)).all()
    invitations = _person_invitations(person.id)
    exposure = exposure_for(person.id, date.today())
    page = render_template("monitor/registry/person.html", person=person, episodes=episodes,
                           exposure=exposure, contact_form=forms.ContactForm(obj=person.contact),
                           erase_form=forms.ConfirmForm(), services=SERVICES, invitations=invitations,
                           professions=PROFESSIONS, modules=MODULES)
    if person.contact is not None:  # the page shows them, in the contact form
        services.record_contact_viewed(person)
        db.session.commit()  # before the page is sent: no view of them goes unlogged
    return page


@bp.route("/persons/<int:person_id>/contact", methods=["POST"])
@allow(*REGISTRY)
def person_contact(person_id: int):
    person = _get(AssistedPerson, person_id)
    form = forms.ContactForm()
    if form.validate_on_submit():
        services.save_contact(person, {"phone": form.phone.data, "email": form.email.data,
                                       "note": form.note.data})
        db.session.commit()
        flash(_("Contact details saved."), "success")
    else:
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
    return redirect(url_for("registry.person_view", person_id=person.id))


@bp.route("/persons/<int:person_id>/contact/erase", methods=["POST"])
@allow(*REGISTRY)
def person_contact_erase(person_id: int):
    person = _get(AssistedPerson, person_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    services.erase_contact(person)
    db.session.commit()
    flash(_("Contact details erased."), "success")
    return redirect(url_for("registry.person_view", person_id=person.id))


@bp.route("/persons/new", methods=["GET", "POST"])
@bp.route("/persons/<int:person_id>/edit", methods=["GET", "POST"])
@allow(*REGISTRY)
def person_edit(person_id: int | None = None):
    person = _get(AssistedPerson, person_id) if person_id else AssistedPerson()
    form = forms.PersonForm(obj=person)
    form.region_id.choices = _region_choices()
    return _edit(form, person, services.save_person,
                 _("Edit assisted person %(code)s", code=person.code) if person_id
                 else _("New assisted person"),
                 lambda p: url_for("registry.person_view", person_id=p.id))


# Assistance episodes ----------------------------------------------------------------------

@bp.route("/episodes")
@allow(*REGISTRY)
def episodes():
    stmt = (select(AssistanceEpisode, AssistedPerson.code, Provider.code, Region)
            .join(AssistedPerson, AssistedPerson.id == AssistanceEpisode.person_id)
            .join(Provider, Provider.id == AssistanceEpisode.provider_id)
            .join(Region, Region.id == AssistedPerson.region_id)
            .order_by(AssistanceEpisode.started_on.desc(), AssistanceEpisode.id.desc()))
    stmt = _filter_region(_search(stmt, AssistedPerson.code, Provider.code),
                          AssistedPerson.region_id)
    service = request.args.get("service")
    if service in SERVICES:
        stmt = stmt.where(AssistanceEpisode.services.like(f"%{service}%"))
    if request.args.get("open") == "1":
        stmt = stmt.where(AssistanceEpisode.ended_on.is_(None))
    page = _paginate(stmt)
    return render_template("monitor/registry/episodes.html", page=page, regions=_regions(),
                           services=SERVICES)


@bp.route("/episodes/new", methods=["GET", "POST"])
@bp.route("/episodes/<int:episode_id>/edit", methods=["GET", "POST"])
@allow(*REGISTRY)
def episode_edit(episode_id: int | None = None):
    episode = _get(AssistanceEpisode, episode_id) if episode_id else AssistanceEpisode()
    form = forms.EpisodeForm(obj=episode)
    if request.method == "GET":
        if episode_id:
            form.person_code.data = episode.person.code
            form.provider_code.data = episode.provider.code
            form.services.data = episode.service_list
        else:
            form.person_code.data = request.args.get("person", "")
            form.provider_code.data = request.args.get("provider", "")
    return _edit(form, episode, services.save_episode,
                 _("Edit assistance episode") if episode_id else _("New assistance episode"),
                 lambda e: url_for("registry.person_view", person_id=e.person_id))
