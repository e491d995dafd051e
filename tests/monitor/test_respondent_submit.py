"""Submit exactly once: one conditional UPDATE; a double click or a replayed request gives the
same thank-you page; afterwards nothing changes the answers and the link says it is done."""

from __future__ import annotations

from sqlalchemy import func, select

from monitor.extensions import db
from monitor.fieldwork.models import Answer, Response
from monitor.fieldwork.respondent import services
from tests.monitor.respondent_support import (
    consent,
    invitation_of,
    make_link,
    open_link,
    response_of,
    text,
)


def filled(client, factory):
    """A link opened, consented and every page answered."""
    link = make_link(factory)
    open_link(client, link)
    consent(client, "yes")
    client.post("/r/language", data={"language": "en", "back": "resume"})
    assert client.post("/r/s/about", data={"action": "next", "age": "30",
                                           "housing": "own"}).status_code == 303
    assert client.post("/r/s/work", data={"action": "next", "works": "no"}).status_code == 303
    assert client.post("/r/s/closing", data={"action": "next"}).headers["Location"] == "/r/review"
    return link


def test_submit_once_then_thanks(client, factory):
    link = filled(client, factory)
    response = client.post("/r/submit")
    assert response.status_code == 303 and response.headers["Location"] == "/r/done"
    saved = response_of(link)
    assert saved.status == "submitted" and saved.submitted_at is not None
    invitation = invitation_of(link)
    assert invitation.status == "completed" and invitation.completed_at is not None
    page = text(client.get("/r/done"))
    assert "Thank you!" in page and "Your answers have been sent" in page


def test_a_second_submit_is_the_same_thanks_and_changes_nothing(client, factory):
    link = filled(client, factory)
    client.post("/r/submit")
    first = response_of(link).submitted_at
    again = client.post("/r/submit")
    assert again.status_code == 303 and again.headers["Location"] == "/r/done"
    assert response_of(link).submitted_at == first
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_after_submit_pages_and_saves_are_refused(client, factory):
    link = filled(client, factory)
    client.post("/r/submit")
    before = {a.question_key: a.value for a in db.session.scalars(select(Answer))}
    for url in ("/r/", "/r/s/about", "/r/review", "/r/consent"):
        location = client.get(url).headers["Location"]
        assert location in ("/r/done", "/r/"), (url, location)
    response = client.post("/r/s/about", data={"action": "next", "age": "99", "housing": "other"})
    assert response.headers["Location"] == "/r/done"
    response = client.post("/r/s/about", data={"action": "save", "age": "99"})
    assert response.headers["Location"] == "/r/done"
    db.session.expire_all()
    assert {a.question_key: a.value for a in db.session.scalars(select(Answer))} == before
    # The link now says it is completed, without opening a session.
    page = text(client.get(link.url + "?lang=en"))
    assert "You have already answered" in page


def test_submit_checks_every_page_on_the_server(client, factory):
    """A page skipped by hand (or answers that changed) is shown with its errors."""
    link = make_link(factory)
    open_link(client, link)
    consent(client, "yes")
    client.post("/r/language", data={"language": "en", "back": "resume"})
    client.post("/r/s/about", data={"action": "save", "age": "30"})  # housing missing
    open_link(client, link)
    response = client.post("/r/submit")
    assert response.status_code == 422
    page = text(response)
    assert "This question needs an answer." in page and 'href="#q-housing-0"' in page
    assert 'action="/r/s/about"' in page and 'name="review" value="1"' in page
    assert response_of(link).status == "draft"


def test_answers_changed_between_reading_and_submitting_are_not_submitted(app, client, factory):
    link = filled(client, factory)
    with client.session_transaction() as cookie:
        session_id = cookie["respondent"]
    stale = services.load_visit(session_id)
    db.session.commit()
    # Another tab saves a page after the stale visit read the answers.
    client.post("/r/s/closing", data={"action": "next", "comments": "later thought"})
    db.session.expire_all()
    try:
        services.submit(stale)
    except services.AnswersChanged:
        db.session.rollback()
    else:
        raise AssertionError("a stale submit went through")
    assert response_of(link).status == "draft"
    assert client.post("/r/submit").headers["Location"] == "/r/done"


def test_declined_response_cannot_be_submitted(client, factory):
    link = make_link(factory)
    open_link(client, link)
    client.post("/r/consent", data={"choice": "confirm_no"})
    # The session is over; a replay with the old cookie sees the notice.
    assert client.post("/r/submit").headers["Location"] == "/r/notice/ended"
    assert response_of(link).status == "declined"
