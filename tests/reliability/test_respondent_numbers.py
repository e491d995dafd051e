"""Numbers far out of range on respondent pages (issue 9): 310 nines, a 400-digit decimal, more
digits than Python reads. Such an answer is refused in the respondent's language and never
written into the draft; a draft that holds one already (written before the limit, as
``Infinity`` or a huge integer) still opens, the value dropped and asked again; integers stay
exact and what a respondent typed is what the page shows back."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from monitor.extensions import db
from monitor.fieldwork.models import Answer
from monitor.fieldwork.respondent.services import REVIEW
from surveys.rendering import NUMBER_DIGITS, UI
from surveys.schema import Question, Section, Survey
from tests.monitor.respondent_support import (
    consent,
    make_link,
    make_version,
    open_link,
    response_of,
    text,
)
from tests.surveys.factories import tri

#: What Python says of a number it cannot read; a respondent must never see it.
PYTHON_WORDS = ("Exceeds", "limit", "sys.", "int_max_str_digits", "could not convert",
                "Infinity")


def numbers_survey() -> Survey:
    """Consent, a page with an integer and a decimal question without ranges, a last page."""
    return Survey(title=tri("Numbers"), audience="person", sections=[
        Section("start", tri("Start"), questions=[
            Question("consent_given", "yes_no", tri("Do you agree?"), required=True)]),
        Section("nums", tri("Numbers"), questions=[
            Question("count", "integer", tri("How many?"), required=True),
            Question("amount", "decimal", tri("How much?"))]),
        Section("end", tri("The end"), questions=[
            Question("comments", "long_text", tri("Anything to add?"))]),
    ])


def stored(link) -> dict:
    db.session.expire_all()
    response = response_of(link)
    return {a.question_key: a.value for a in db.session.scalars(
        select(Answer).where(Answer.response_id == response.id))}


def started(client, factory):
    link = make_link(factory, make_version(factory, numbers_survey()))
    open_link(client, link)
    consent(client, "yes")
    return link


def shown_value(page: str, key: str) -> str:
    return html.unescape(re.search(rf'<input[^>]*name="{key}"[^>]*value="([^"]*)"', page).group(1))


def error_of(page: str, key: str) -> str:
    found = re.search(rf'id="q-{key}-error"><span>(.*?)</span>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def opens_everywhere(client, link) -> None:
    """Every page of the draft answers, the link reopened included (no 500 anywhere)."""
    for url in ("/r/s/nums", "/r/s/end", "/r/review"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    assert client.get("/r/").status_code == 303
    open_link(client, link)
    assert client.get("/r/", follow_redirects=True).status_code == 200


@pytest.mark.parametrize(("key", "typed"), [
    ("count", "9" * 310),
    ("count", "9" * 19),  # beyond int64 (SQLite made it 1.0e+19)
    ("count", "9" * 5000),  # beyond what Python's int() reads
    ("amount", "9" * 400),  # float() made it inf
    ("amount", "0." + "9" * 400),  # float() made it 1.0
    ("amount", "1" * 5000 + ",5"),
])
def test_a_number_out_of_range_is_refused_and_never_written_into_the_draft(client, factory, key,
                                                                          typed):
    link = started(client, factory)
    assert client.post("/r/s/nums", data={"action": "next", "count": "12",
                                           "amount": "2,5"}).status_code == 303
    before = stored(link)
    for action in ("next", "back", "save"):
        response = client.post("/r/s/nums", data={"action": action, "count": "12",
                                                   "amount": "2,5", key: typed})
        page = text(response)
        if action == "next":
            assert response.status_code == 422
            assert error_of(page, key) == UI["uk"]["too_many_digits"].format(digits=NUMBER_DIGITS)
            assert not any(word in page for word in PYTHON_WORDS)
            assert shown_value(page, key) == typed  # kept on the page to correct
        assert stored(link) == before, action  # the earlier answer stays
        if action == "save":
            open_link(client, link)
    opens_everywhere(client, link)


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_the_refusal_is_in_the_respondents_language(client, factory, lang):
    link = started(client, factory)
    client.post("/r/s/nums", data={"action": f"language:{lang}"})
    response = client.post("/r/s/nums", data={"action": "next", "count": "9" * 310,
                                               "amount": "9" * 400})
    assert response.status_code == 422
    page = text(response)
    message = UI[lang]["too_many_digits"].format(digits=NUMBER_DIGITS)
    assert error_of(page, "count") == error_of(page, "amount") == message
    assert not any(word in page for word in PYTHON_WORDS)
    assert stored(link) == {"consent_given": "yes"}
    opens_everywhere(client, link)


def test_integers_stay_exact_and_numbers_show_back_as_typed(client, factory):
    link = started(client, factory)
    fifteen = "9" * NUMBER_DIGITS
    response = client.post("/r/s/nums", data={"action": "next", "count": fifteen,
                                               "amount": "123456.789"})
    assert response.status_code == 303
    saved = stored(link)
    assert saved["count"] == int(fifteen) and type(saved["count"]) is int
    assert Decimal(repr(saved["amount"])) == Decimal("123456.789")
    page = text(client.get("/r/s/nums"))
    assert shown_value(page, "count") == fifteen
    assert shown_value(page, "amount") == "123456.789"  # not 123457
    # Pressing Next on the page as shown keeps the answers as they were.
    client.post("/r/s/nums", data={"action": "next", "count": shown_value(page, "count"),
                                   "amount": shown_value(page, "amount")})
    assert stored(link) == saved
    client.post("/r/s/nums", data={"action": "next", "count": "-0", "amount": "0,000000000000001"})
    page = text(client.get("/r/s/nums"))
    assert shown_value(page, "count") == "0"
    assert shown_value(page, "amount") == "0.000000000000001"


def _unreadable_values(dialect: str) -> dict[str, object]:
    """What drafts saved before the limit hold, as each database kept it: an integer of 310
    digits (SQLite's JSON column turned it into a REAL infinity; PostgreSQL keeps it exact),
    and on SQLite the ``Infinity`` Python's json wrote for a 400-digit decimal (PostgreSQL's
    json refused it, so no draft there holds one)."""
    if dialect == "sqlite":
        return {"count": int("9" * 310), "amount": float("inf")}
    return {"count": int("9" * 310), "amount": 1e300}


@pytest.mark.parametrize("wrong", [True, "many", {"n": 1}, [3], 2.5, 1e19])
def test_a_draft_that_does_not_read_is_repaired_on_load(client, factory, wrong):
    link = started(client, factory)
    client.post("/r/s/nums", data={"action": "next", "count": "12", "amount": "2,5"})
    client.post("/r/s/end", data={"action": "next", "comments": "kept"})
    response = response_of(link)
    values = _unreadable_values(db.engine.dialect.name)
    # Written straight into the table, as the old page save did (Python's json serialiser).
    for key, value in values.items():
        db.session.merge(Answer(response_id=response.id, question_key=key, value=value))
    db.session.commit()
    assert stored(link).keys() >= {"count", "amount", "comments"}

    open_link(client, link)
    opens_everywhere(client, link)
    page = text(client.get("/r/s/nums"))
    assert shown_value(page, "count") == "" and shown_value(page, "amount") == ""
    # The submit asks for the dropped required answer again, on its page.
    response = client.post("/r/submit")
    assert response.status_code == 422 and 'id="q-count-error"' in text(response)
    assert client.post("/r/s/nums", data={"action": "next", "count": "7"}).status_code == 303
    assert stored(link) == {"consent_given": "yes", "count": 7, "comments": "kept"}

    # A value of the wrong type for its question is dropped the same way.
    db.session.merge(Answer(response_id=response_of(link).id, question_key="count", value=wrong))
    db.session.commit()
    opens_everywhere(client, link)
    assert shown_value(text(client.get("/r/s/nums")), "count") == ""


def test_a_submit_leaves_no_unreadable_value_behind(client, factory):
    link = started(client, factory)
    client.post("/r/s/nums", data={"action": "next", "count": "12"})
    client.post("/r/s/end", data={"action": "next"})
    response = response_of(link)
    assert response.current_section == REVIEW
    amount = _unreadable_values(db.engine.dialect.name)["amount"]
    db.session.add(Answer(response_id=response.id, question_key="amount", value=amount))
    db.session.commit()
    assert client.get("/r/review").status_code == 200
    assert client.post("/r/submit").headers["Location"] == "/r/done"
    assert response_of(link).status == "submitted"
    assert stored(link) == {"consent_given": "yes", "count": 12}


#: Text a respondent might type into a number field: digits with a sign, a point or a comma,
#: far more digits than fit, and what Python's float() reads but a person does not type.
NUMBER_TEXT = st.one_of(
    st.from_regex(r"\A[+-]?[0-9]{0,24}([.,][0-9]{0,24})?\Z"),
    st.integers(min_value=-10 ** 400, max_value=10 ** 400).map(str),
    st.floats().map(repr),
    st.sampled_from(["1e5", "1E999", "Infinity", "NaN", "-inf", "0x10", "1_000", "٣"]),
)


@pytest.fixture
def numbers_link(client, factory):
    """One started draft for every example of a property test (fixtures are made once)."""
    return started(client, factory)


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(key=st.sampled_from(["count", "amount"]), typed=NUMBER_TEXT)
def test_any_number_text_is_kept_as_typed_or_refused_in_words(client, numbers_link, key, typed):
    """Whatever is typed: a 303 and the page shows the same number back (exactly), or a 422
    that says why in the respondent's language and keeps the earlier answer; never a 500."""
    link = numbers_link
    before = stored(link)
    data = {"action": "next", "count": "1"}  # the count is required
    data[key] = typed
    response = client.post("/r/s/nums", data=data)
    assert response.status_code in (303, 422), response.status_code
    page = text(client.get("/r/s/nums"))
    normalised = typed.strip().replace(",", ".")
    if response.status_code == 422:
        messages = {UI["uk"][name].format(digits=NUMBER_DIGITS)
                    for name in ("required", "not_integer", "not_number", "too_many_digits")}
        assert error_of(text(response), key) in messages  # never Python's own words
        assert stored(link).get(key) == before.get(key)
    elif normalised:
        assert Decimal(shown_value(page, key)) == Decimal(normalised)
        saved = stored(link)[key]
        if key == "count":
            assert type(saved) is int and Decimal(saved) == Decimal(normalised)
    else:
        assert key not in stored(link)
