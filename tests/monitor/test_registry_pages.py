"""Officer pages of the registry: list, search, filter, paginate, view, create, edit."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from monitor.extensions import db
from monitor.models import (
    AssistanceEpisode,
    AssistedPerson,
    AuditEvent,
    PersonContact,
    Provider,
    Region,
    TrainingAttendance,
)
from surveys.models import Survey


def test_provider_list_searches_filters_and_paginates(client, login, factory):
    login("officer")
    north, south = factory.region("North"), factory.region("South")
    for i in range(30):
        factory.provider(region=north if i % 2 else south, code=f"PX-{i:03d}",
                         profession="police" if i % 3 == 0 else "social_worker")
    first = client.get("/registry/providers").get_data(as_text=True)
    assert "Page 1 of 2" in first and "30 in all" in first
    second = client.get("/registry/providers?page=2").get_data(as_text=True)
    assert "PX-029" in second and "PX-000" not in second
    found = client.get("/registry/providers?q=px-01").get_data(as_text=True)
    assert "PX-010" in found and "PX-019" in found and "PX-020" not in found
    police_north = client.get(f"/registry/providers?profession=police&region={north.id}")
    text = police_north.get_data(as_text=True)
    assert "PX-003" in text and "PX-006" not in text and "PX-001" not in text


def test_trained_filter_uses_attendance(client, login, factory):
    login("officer")
    trained, untrained = factory.provider(code="TR-1"), factory.provider(code="UN-1")
    factory.attend(trained, factory.session(date(2013, 5, 1)))
    yes = client.get("/registry/providers?trained=yes").get_data(as_text=True)
    no = client.get("/registry/providers?trained=no").get_data(as_text=True)
    assert "TR-1" in yes and "UN-1" not in yes
    assert "UN-1" in no and "TR-1" not in no
    assert untrained.id


def test_create_provider_and_refuse_duplicate_code(client, login, factory):
    login("officer")
    region = factory.region()
    org = factory.organisation(region=region)
    form = {"code": "PR-NEW-1", "profession": "medical", "region_id": region.id,
            "organisation_id": org.id}
    response = client.post("/registry/providers/new", data=form)
    assert response.status_code == 302
    provider = db.session.scalar(select(Provider).where(Provider.code == "PR-NEW-1"))
    assert provider.organisation_id == org.id and provider.profession == "medical"
    again = client.post("/registry/providers/new", data=form)
    assert again.status_code == 200
    assert "is already registered" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Provider)) == 1


def test_provider_organisation_must_be_in_its_region(client, login, factory):
    login("officer")
    here, there = factory.region(), factory.region()
    org = factory.organisation(region=there)
    response = client.post("/registry/providers/new", data={
        "code": "PR-X", "profession": "police", "region_id": here.id, "organisation_id": org.id})
    assert "not in the chosen region" in response.get_data(as_text=True)


def test_names_are_not_codes(client, login, factory):
    login("officer")
    region = factory.region()
    response = client.post("/registry/persons/new", data={"code": "Olena Petrenko",
                                                          "region_id": region.id})
    assert "pseudonymous code" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AssistedPerson)) == 0


def test_edit_person_and_view_exposure(client, login, factory):
    login("officer")
    region = factory.region()
    person = factory.person(region=region, code="V-1")
    provider = factory.provider(region=region, code="P-1")
    factory.attend(provider, factory.session(date(2013, 1, 10), region=region, hours=24,
                                             modules="identification"))
    factory.episode(person, provider, date(2013, 3, 1))
    response = client.post(f"/registry/persons/{person.id}/edit", data={
        "code": "V-1", "region_id": region.id, "referred_on": "2013-02-20", "gender": "Female",
        "age_broad": "18--20", "majority_status": "Adult", "citizenship": "ua",
        "type_of_exploit": "Forced labour", "country_of_exploitation": "pl",
        "year_of_registration": "2013"})
    assert response.status_code == 302
    db.session.refresh(person)
    assert (person.citizenship, person.country_of_exploitation) == ("UA", "PL")
    page = client.get(f"/registry/persons/{person.id}").get_data(as_text=True)
    assert "1 trained" in page and "24" in page and "Identification of victims" in page


def test_future_dates_and_end_before_start_are_refused(client, login, factory):
    login("officer")
    region = factory.region()
    factory.person(region=region, code="V-2")
    factory.provider(region=region, code="P-2")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    future = client.post("/registry/episodes/new", data={
        "person_code": "V-2", "provider_code": "P-2", "started_on": tomorrow})
    assert "in the future" in future.get_data(as_text=True)
    backwards = client.post("/registry/episodes/new", data={
        "person_code": "V-2", "provider_code": "P-2", "started_on": "2014-05-01",
        "ended_on": "2014-04-01"})
    assert "end is before the start" in backwards.get_data(as_text=True)
    unknown = client.post("/registry/episodes/new", data={
        "person_code": "V-404", "provider_code": "P-2", "started_on": "2014-05-01"})
    assert "No assisted person with that code" in unknown.get_data(as_text=True)
    ok = client.post("/registry/episodes/new", data={
        "person_code": "V-2", "provider_code": "P-2", "started_on": "2014-05-01",
        "ended_on": "2014-09-01", "services": ["shelter", "legal"]})
    assert ok.status_code == 302
    episode = db.session.scalar(select(AssistanceEpisode))
    assert episode.services == "legal,shelter"


def test_attendance_on_session_page(client, login, factory):
    login("officer")
    region = factory.region()
    session = factory.session(date(2014, 2, 1), region=region, hours=16)
    factory.provider(region=region, code="P-A")
    url = f"/registry/training/{session.id}"
    too_long = client.post(url, data={"provider_code": "P-A", "hours_attended": "20"})
    assert "lasted 16 hours" in too_long.get_data(as_text=True)
    assert client.post(url, data={"provider_code": "P-A", "hours_attended": "12"}).status_code == 302
    twice = client.post(url, data={"provider_code": "P-A", "hours_attended": "12"})
    assert "already recorded" in twice.get_data(as_text=True)
    row = db.session.scalar(select(TrainingAttendance))
    assert row.hours_attended == 12
    shorter = client.post(f"/registry/training/{session.id}/edit", data={
        "code": session.code, "held_on": "2014-02-01", "region_id": region.id, "hours": "8"})
    assert "cannot be shorter" in shorter.get_data(as_text=True)
    assert client.post(f"{url}/attendance/{row.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(TrainingAttendance)) == 0


def test_contact_details_are_kept_apart_and_erased(client, login, factory):
    login("officer")
    person = factory.person(code="V-3")
    url = f"/registry/persons/{person.id}/contact"
    assert client.post(url, data={"phone": "+380 00 000 0000", "note": "after 6pm"}).status_code == 302
    assert db.session.scalar(select(PersonContact.phone)) == "+380 00 000 0000"
    assert client.post(f"{url}/erase").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(PersonContact)) == 0
    assert db.session.get(AssistedPerson, person.id) is not None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"contact_updated", "contact_erased"} <= actions


def test_every_list_and_form_renders(client, login, factory):
    login("officer")
    region = factory.region()
    org = factory.organisation(region=region)
    provider = factory.provider(region=region, organisation=org)
    session = factory.session(date(2013, 4, 4), region=region)
    factory.attend(provider, session)
    person = factory.person(region=region)
    episode = factory.episode(person, provider, date(2013, 6, 1))
    for url in ["/registry/regions", "/registry/regions/new", f"/registry/regions/{region.id}/edit",
                "/registry/organisations", "/registry/organisations/new",
                f"/registry/organisations/{org.id}/edit", "/registry/providers",
                f"/registry/providers/{provider.id}", f"/registry/providers/{provider.id}/edit",
                "/registry/training", f"/registry/training/{session.id}",
                f"/registry/training/{session.id}/edit", "/registry/training/new",
                "/registry/persons", f"/registry/persons/{person.id}", "/registry/persons/new",
                "/registry/episodes", f"/registry/episodes/{episode.id}/edit", "/registry/episodes/new"]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get("/registry/providers/99999").status_code == 404


def test_staff_forms_refuse_nul_characters_and_store_nothing(client, login, factory):
    login("officer")
    region = factory.region()
    person = factory.person(region=region, code="V-4")
    posts = [
        (f"/registry/persons/{person.id}/contact", {"phone": "+380 00", "note": "after\x006pm"}),
        ("/registry/regions/new", {"name": "North\x00", "code": "UA-98", "joined_year": "2013"}),
        ("/surveys/new", {"title_en": "Follow\x00-up", "audience": "provider"}),
    ]
    for url, data in posts:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "holds a NUL character" in response.get_data(as_text=True), url
    # The search box of a list: PostgreSQL refuses NUL in a query parameter too.
    response = client.get("/registry/persons?q=V%00")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PersonContact)) == 0
    assert db.session.scalar(select(func.count()).select_from(Region)) == 1
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 0
    # Without the NUL, the same contact form saves.
    response = client.post(f"/registry/persons/{person.id}/contact",
                           data={"phone": "+380 00", "note": "after 6pm"})
    assert response.status_code == 302


def test_viewing_contact_details_is_audited(client, login, factory):
    user = login("officer")
    with_contact, without = factory.person(code="V-5"), factory.person(code="V-6")
    assert client.post(f"/registry/persons/{with_contact.id}/contact",
                       data={"phone": "+380 11 111 1111"}).status_code == 302

    def views(person) -> list[AuditEvent]:
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "contact_viewed",
            AuditEvent.target == f"assisted_person:{person.id}")))

    page = client.get(f"/registry/persons/{with_contact.id}").get_data(as_text=True)
    assert "+380 11 111 1111" in page
    assert [event.user_id for event in views(with_contact)] == [user.id]
    client.get(f"/registry/persons/{with_contact.id}")
    assert len(views(with_contact)) == 2  # every showing, not only the first
    client.get(f"/registry/persons/{without.id}")
    assert views(without) == []  # nothing shown, nothing logged
