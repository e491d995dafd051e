"""Imports take coded values as codes or as their labels in English, Ukrainian or Russian, and
regions by code or by name in any of the three ("Чернівецька" for "Чернівецька область"),
whatever the language of the officer who uploads the file."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from monitor.extensions import db
from monitor.models import AssistanceEpisode, AssistedPerson, Provider, TrainingSession
from monitor.registry.importing import import_table
from monitor.registry.importing.values import BadValue, Vocabulary
from tests.monitor.test_imports import csv_bytes, rejected


@pytest.fixture
def regions(factory):
    """Regions as the demo names them, in English, Ukrainian and Russian."""
    made = {}
    for code, name, uk, ru in (("UA-77", "Chernivtsi", "Чернівецька область", "Черновицкая область"),
                               ("UA-63", "Kharkiv", "Харківська область", "Харьковская область"),
                               ("UA-30", "Kyiv city", "місто Київ", "город Киев"),
                               ("UA-T1", "Podillia", "Кам’янеччина", None)):
        region = factory.region(name=name, code=code)
        region.name_uk, region.name_ru = uk, ru
        made[code] = region
    db.session.commit()
    return made


def providers() -> dict[str, Provider]:
    return {p.code: p for p in db.session.scalars(select(Provider))}


def test_professions_and_regions_in_any_of_the_three_languages(regions):
    result = import_table("providers", "p.csv", csv_bytes("""
code,profession,region
P-1,Учитель,Чернівецька
P-2,Социальный работник,Черновицкая область
P-3,SOCIAL WORKER,харківська обл.
P-4,  медичний   працівник ,Харьковская обл
P-5,police,UA-30
P-6,Активіст ГО,місто Київ
P-7,Journalist,КАМ'ЯНЕЧЧИНА
P-8,поліцейський,kharkiv
"""))
    db.session.commit()
    assert result.created == {"provider": 8}
    got = {code: (p.profession, p.region.code) for code, p in providers().items()}
    assert got == {"P-1": ("teacher", "UA-77"), "P-2": ("social_worker", "UA-77"),
                   "P-3": ("social_worker", "UA-63"), "P-4": ("medical", "UA-63"),
                   "P-5": ("police", "UA-30"), "P-6": ("ngo_activist", "UA-30"),
                   "P-7": ("journalist", "UA-T1"), "P-8": ("police", "UA-63")}


def test_lists_of_modules_and_services_mix_codes_and_labels(regions, factory):
    provider = factory.provider(region=regions["UA-77"], code="P-100")
    person = factory.person(region=regions["UA-77"], code="V-100")
    result = import_table("attendance", "a.csv", csv_bytes("""
provider_code,session_code,hours_attended,session_date,region,session_hours,modules
P-100,S-NEW,8,2014-03-01,Чернівецька,8,Ідентифікація постраждалих; права пострадавших|referral
"""))
    assert result.created["training_session"] == 1
    session = db.session.scalar(select(TrainingSession).where(TrainingSession.code == "S-NEW"))
    assert session.module_list == ["identification", "victim_rights", "referral"]
    import_table("episodes", "e.csv", csv_bytes("""
person_code,provider_code,started_on,services
V-100,P-100,2014-04-01,Притулок|Legal aid;Психологическая поддержка
"""))
    episode = db.session.scalar(select(AssistanceEpisode))
    assert (episode.person_id, episode.provider_id) == (person.id, provider.id)
    assert episode.services == "shelter,legal,psychological"


def test_ctdc_values_by_their_labels(regions):
    import_table("persons", "v.csv", csv_bytes("""
code,region,gender,ageBroad,majorityStatus,typeOfExploit
V-1,UA-77,Жінка,21–23 роки,Повнолітня особа,Примусова праця
V-2,UA-63,мужчина,24-26,совершеннолетнее лицо,принудительный труд
V-3,UA-30,Female,9–17 years,Minor,Sexual exploitation
V-4,UA-30,Трансгендерна або гендерно неконформна особа,48+,Adult,Рабство та подібні практики
"""))
    rows = {p.code: (p.gender, p.age_broad, p.majority_status, p.type_of_exploit)
            for p in db.session.scalars(select(AssistedPerson))}
    assert rows == {
        "V-1": ("Female", "21--23", "Adult", "Forced labour"),
        "V-2": ("Male", "24--26", "Adult", "Forced labour"),
        "V-3": ("Female", "9--17", "Minor", "Sexual exploitation"),
        "V-4": ("Transgender/NonConforming", "48+", "Adult", "Slavery and similar practices"),
    }


def test_a_label_still_has_to_be_one_of_them(regions):
    rejection = rejected("providers", csv_bytes("code,profession,region\nP-1,Учителька,Чернівецька"))
    assert [(e.column, e.reason.split(";")[0]) for e in rejection.errors] == [
        ("profession", "Unknown profession")]
    rejection = rejected("providers", csv_bytes("code,profession,region\nP-1,teacher,Чернівецький"))
    assert [e.column for e in rejection.errors] == ["region"]


@pytest.mark.parametrize("language", ["en", "uk", "ru"])
def test_the_officers_own_language_does_not_matter(client, login, regions, language):
    user = login("officer")
    user.language = language
    db.session.commit()
    data = csv_bytes("code,profession,region\nP-1,Учитель,Черновицкая\nP-2,Police officer,город Киев")
    response = client.post("/registry/imports/upload",
                           data={"kind": "providers", "file": (io.BytesIO(data), "p.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert {c: (p.profession, p.region.code) for c, p in providers().items()} == {
        "P-1": ("teacher", "UA-77"), "P-2": ("police", "UA-30")}


def test_a_label_two_codes_share_names_neither():
    vocabulary = Vocabulary({"a": "Same", "b": "same ", "c": "Other"}, "Unknown; use one of: %(codes)s.")
    assert vocabulary.parse("A") == "a" and vocabulary.parse("other") == "c"
    with pytest.raises(BadValue):
        vocabulary.parse("Same")


def test_region_short_forms_two_regions_share_name_neither(factory):
    north = factory.region(name="North", code="UA-N1")
    north.name_uk = "Північна область"
    council = factory.region(name="North council", code="UA-N2")
    council.name_uk = "Північна обл."
    db.session.commit()
    rejection = rejected("persons", csv_bytes("code,region\nV-1,Північна"))
    assert [e.column for e in rejection.errors] == ["region"]
    import_table("persons", "p.csv", csv_bytes("code,region\nV-1,Північна область\nV-2,UA-N2"))
    assert {p.code: p.region_id for p in db.session.scalars(select(AssistedPerson))} == {
        "V-1": north.id, "V-2": council.id}
