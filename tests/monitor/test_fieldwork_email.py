"""E-mailed invitation links, against a real SMTP server on loopback (aiosmtpd): off by
default; when configured, new links go only to assisted persons with an address, in a neutral
message; a refused address or an unreachable server takes the link back and loses nothing."""

from __future__ import annotations

import re
import socket
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from monitor.config import ConfigError, load_config
from monitor.extensions import db
from monitor.fieldwork.services import WaveSpec
from monitor.fieldwork.tokens import token_hash
from monitor.models import AssistedPerson, AuditEvent, PersonContact
from tests.monitor.fieldwork_support import forged_host, invitations, plan_for, publish

TODAY = date.today()
REFUSED = "refused@example.org"


class Mailbox:
    """aiosmtpd handler keeping what it receives; refuses one address like a real server."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


@pytest.fixture
def plan(app, factory):
    """Four persons with an open m3 window: two with an e-mail address (one refused by the
    server), one with a phone only, one with no contact at all."""
    region = factory.region(name="North")
    provider = factory.provider(region)
    contacts = ["anna@example.org", REFUSED, None, "skip"]
    for i, email in enumerate(contacts):
        person = factory.person(region, code=f"AP-{i + 1:03d}")
        factory.episode(person, provider, TODAY - timedelta(days=90))
        if email != "skip":
            db.session.add(PersonContact(person_id=person.id, email=email,
                                         phone=None if email else "+380000000000"))
    db.session.commit()
    return plan_for(publish("person"), [WaveSpec("m3", 3, 14, 45)], today=TODAY)


def _configure(app, port: int) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SECURITY="none",
                      MAIL_FROM="Survey <survey@example.org>", MAIL_BATCH=500)


def _by_code(plan) -> dict:
    """The plan's invitations by their person's code."""
    codes = dict(db.session.execute(select(AssistedPerson.id, AssistedPerson.code)).all())
    return {codes[i.person_id]: i for i in invitations(plan)}


def _link(message: EmailMessage) -> str:
    return re.search(r"http://localhost/r/([A-Za-z0-9_-]{43})", message.get_content()).group(1)


def test_email_is_off_by_default(app, client, login, plan):
    login("officer")
    assert not app.config["MAIL_SERVER"]
    page = client.get(f"/fieldwork/plans/{plan.id}/due").get_data(as_text=True)
    assert "E-mail" not in page
    response = client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "all-email"},
                           follow_redirects=True)
    assert "E-mail is off on this server" in response.get_data(as_text=True)
    assert all(i.token_hash is None for i in invitations(plan))


def test_links_go_only_to_persons_with_an_address_and_refusals_are_taken_back(
        app, client, login, plan, smtp):
    controller, mailbox = smtp
    _configure(app, controller.port)
    officer = login("officer")
    page = client.get(f"/fieldwork/plans/{plan.id}/due").get_data(as_text=True)
    assert "E-mail links to those with an address" in page
    response = client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "all-email"},
                           follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "1 link e-mailed." in text
    assert "1 e-mail could not be sent: the address was refused by the mail server" in text

    [message] = mailbox.messages
    assert message["To"] == "anna@example.org" and message["From"] == "Survey <survey@example.org>"
    body = message.get_content()
    # Neutral: nothing that tells a reader of the mailbox what the survey is about.
    for word in ("traffick", "торгівл", "торговл", "NRM", "assist", "victim", "AP-001"):
        assert word.lower() not in (body + message["Subject"]).lower()
    by_person = _by_code(plan)
    sent = by_person["AP-001"]
    assert sent.token_hash == token_hash(_link(message))  # the link opens exactly that invitation
    # The refused address, the phone-only person and the one without contact keep no link:
    # they can still be issued by CSV or on paper.
    assert [by_person[c].token_hash for c in ("AP-002", "AP-003", "AP-004")] == [None, None, None]
    events = {e.action: e.detail for e in db.session.scalars(select(AuditEvent))}
    assert events["invitation_links_emailed"]["count"] == 1
    assert events["invitation_links_emailed"]["failed"] == 1
    assert events["invitation_links_withdrawn"]["count"] == 1
    assert all(e.user_id == officer.id for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("invitation%"))))

    # The e-mailed link works: it opens the respondent's consent page.
    opened = client.get(f"/r/{_link(message)}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/r/consent")
    # Sending again reaches nobody new (the refused address is tried once more and refused).
    mailbox.messages.clear()
    again = client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "all-email"},
                        follow_redirects=True).get_data(as_text=True)
    assert mailbox.messages == [] and "1 e-mail could not be sent" in again


def test_the_emailed_link_is_on_the_public_address_whatever_the_host_header(
        app, client, login, plan, smtp):
    controller, mailbox = smtp
    _configure(app, controller.port)
    app.config["PUBLIC_URL"] = "https://survey.example.org"
    login("officer")
    client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "all-email"},
                headers=forged_host(client, "survey.example.org.evil.example"))
    [message] = mailbox.messages
    token = re.search(r"https://survey\.example\.org/r/([A-Za-z0-9_-]{43})\s",
                      message.get_content()).group(1)
    assert _by_code(plan)["AP-001"].token_hash == token_hash(token)
    assert "evil" not in message.get_content()


def test_ticked_and_batch_limit(app, client, login, plan, smtp):
    controller, mailbox = smtp
    _configure(app, controller.port)
    login("officer")
    by_person = _by_code(plan)
    ids = [str(by_person[c].id) for c in ("AP-001", "AP-003")]
    text = client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "ticked-email", "ids": ids},
                       follow_redirects=True).get_data(as_text=True)
    assert "1 link e-mailed." in text
    assert "1 of the 2 ticked invitations were not e-mailed: no e-mail address on record" in text
    assert [m["To"] for m in mailbox.messages] == ["anna@example.org"]


def test_unreachable_server_loses_no_link(app, client, login, plan):
    _configure(app, _free_port())  # a port nobody listens on
    login("officer")
    text = client.post(f"/fieldwork/plans/{plan.id}/links", data={"action": "all-email"},
                       follow_redirects=True).get_data(as_text=True)
    assert "2 e-mails could not be sent: the mail server could not be reached" in text
    assert all(i.token_hash is None and i.status == "pending" for i in invitations(plan))


@pytest.mark.parametrize(("env", "message"), [
    ({"MAIL_SERVER": "mail.example.org"}, "MAIL_FROM"),
    ({"MAIL_SERVER": "mail.example.org", "MAIL_FROM": "a@b.org", "MAIL_PORT": "x"}, "MAIL_PORT"),
    ({"MAIL_SERVER": "mail.example.org", "MAIL_FROM": "a@b.org", "MAIL_SECURITY": "tls"}, "MAIL_SECURITY"),
    ({"MAIL_SERVER": "mail.example.org", "MAIL_FROM": "a@b.org", "MAIL_SECURITY": "none",
      "MONITOR_ENV": "production", "SECRET_KEY": "k" * 32,
      "PUBLIC_URL": "https://survey.example.org"}, "clear text"),
])
def test_mail_settings_are_checked_at_start(monkeypatch, tmp_path, env, message):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path))
