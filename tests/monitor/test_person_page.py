"""The page of an assisted person: the CTDC covariates in words, in the officer's language,
and the person's follow-up (invitations and responses) read in one query."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from monitor.extensions import db
from monitor.fieldwork import services
from tests.monitor.fieldwork_support import answer, invitations, plan_for, publish


@contextmanager
def counted():
    """The SQL statements sent while inside."""
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def speaking(user, language: str) -> None:
    user.language = language
    db.session.commit()


@pytest.fixture
def person(factory):
    return factory.person(code="V-1", gender="Female", age_broad="21--23", majority_status="Adult",
                          citizenship="UA", type_of_exploit="Forced labour",
                          country_of_exploitation="PL", year_of_registration=2014)


def test_the_covariates_read_in_words(client, login, person):
    user = login("officer")
    html = client.get(f"/registry/persons/{person.id}").get_data(as_text=True)
    for words in ("<dt>Gender</dt><dd>Female</dd>", "<dt>Age group</dt><dd>21–23 years</dd>",
                  "<dt>Adult or minor</dt><dd>Adult</dd>", "<dt>Citizenship</dt><dd>Ukraine (UA)</dd>",
                  "<dt>Type of exploitation</dt><dd>Forced labour</dd>",
                  "<dt>Country of exploitation</dt><dd>Poland (PL)</dd>",
                  "<dt>Year of registration</dt><dd>2014</dd>"):
        assert words in html
    assert "ageBroad" not in html and "21--23" not in html and "typeOfExploit" not in html
    speaking(user, "uk")
    html = client.get(f"/registry/persons/{person.id}").get_data(as_text=True)
    for words in ("<dt>Стать</dt><dd>Жінка</dd>", "<dt>Вікова група</dt><dd>21–23 роки</dd>",
                  "<dt>Повноліття</dt><dd>Повнолітня особа</dd>",
                  "<dt>Громадянство</dt><dd>Україна (UA)</dd>",
                  "<dt>Вид експлуатації</dt><dd>Примусова праця</dd>",
                  "<dt>Країна експлуатації</dt><dd>Польща (PL)</dd>"):
        assert words in html
    speaking(user, "ru")
    html = client.get(f"/registry/persons/{person.id}").get_data(as_text=True)
    assert "<dt>Возрастная группа</dt><dd>21–23 года</dd>" in html
    assert "<dt>Пол</dt><dd>Женщина</dd>" in html


def test_unknown_covariates_say_so(client, login, factory):
    login("officer")
    bare = factory.person(code="V-2")
    html = client.get(f"/registry/persons/{bare.id}").get_data(as_text=True)
    assert html.count("<dd>Not known</dd>") == 7
    assert "Not invited to any survey yet." in html


def _follow_up(factory, person):
    """A plan of four waves for ``person`` (and another person): one answered, one being
    answered, one whose window closed unanswered, one still to come."""
    provider = factory.provider(code="P-1")
    factory.episode(person, provider, date(2029, 6, 1))
    other = factory.person(code="V-OTHER")
    factory.episode(other, provider, date(2029, 6, 1))
    plan = plan_for(publish("person"))
    mine = {inv.wave: inv for inv in invitations(plan, person_id=person.id)}
    submitted = answer(mine["baseline"], values={"consent": "yes"})
    submitted.submitted_at = datetime(2029, 6, 10, 22, 30, tzinfo=UTC)  # 11 June in Kyiv
    mine["baseline"].status = "completed"
    draft = answer(mine["m3"], status="draft")
    mine["m3"].status = "in_progress"
    mine["m3"].closes_on = date(2030, 2, 1)  # still open
    mine["m6"].closes_on = date(2029, 12, 1)  # before today (2030-01-01 in these tests)
    db.session.commit()
    return plan, mine, submitted, draft


def test_the_invitations_and_responses_are_listed(client, login, factory, person, monkeypatch):
    monkeypatch.setattr(services, "current_date", lambda: date(2030, 1, 1))
    plan, mine, submitted, draft = _follow_up(factory, person)
    login("officer")
    html = client.get(f"/registry/persons/{person.id}").get_data(as_text=True)
    section = html[html.index("Invitations and responses"):html.index("Contact details")]
    assert [w for w in ("baseline", "m3", "m6", "m12") if f">{w}</td>" in section] == [
        "baseline", "m3", "m6", "m12"]
    assert section.count(f"{plan.survey_version.survey.title} <span") == 4
    assert f"version {plan.survey_version.number}" in section
    assert "Answered" in section and "Being answered" in section and "Expired" in section
    assert "Not opened yet" in section
    assert "Jun 11, 2029" in section  # the submission's date in the programme's time zone
    assert f"{mine['baseline'].due_on:%b} {mine['baseline'].due_on.day}, " in section
    assert f'href="/fieldwork/responses/{submitted.id}"' in section
    assert f'href="/fieldwork/responses/{draft.id}"' in section
    assert section.count('href="/fieldwork/responses/') == 2
    assert "V-OTHER" not in html
    # The link opens the viewer for officers (it writes the opening to the audit log).
    assert client.get(f"/fieldwork/responses/{submitted.id}").status_code == 200


def test_the_follow_up_reads_in_the_officers_language(client, login, factory, person, monkeypatch):
    monkeypatch.setattr(services, "current_date", lambda: date(2030, 1, 1))
    _follow_up(factory, person)
    speaking(login("officer"), "uk")
    html = client.get(f"/registry/persons/{person.id}").get_data(as_text=True)
    for words in ("Запрошення та відповіді", "Хвиля", "Відповідь надано", "Заповнюється",
                  "Термін минув", "Ще не відкрито", "Відкрити відповіді", "11 черв. 2029"):
        assert words in html, words


def test_the_person_page_reads_the_follow_up_in_one_query(client, login, factory, person):
    _follow_up(factory, person)
    login("officer")
    page = f"/registry/persons/{person.id}"
    db.session.close()  # nothing read before: every request starts from the database
    with counted() as few:
        client.get(page)
    for _ in range(3):  # three more surveys: twelve more invitations, some answered
        more = invitations(plan_for(publish("person")), person_id=person.id)
        answer(more[0])
        answer(more[1], status="draft")
    db.session.close()
    with counted() as many:
        html = client.get(page).get_data(as_text=True)
    assert html.count('<span class="tag status-') == 16
    assert html.count('href="/fieldwork/responses/') == 8
    assert len(many) == len(few)
    assert len([s for s in many if "FROM invitation" in s]) == 1
