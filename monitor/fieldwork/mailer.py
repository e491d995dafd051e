"""E-mailing invitation links, off unless ``MAIL_SERVER`` is configured.

The standard library's ``smtplib`` and ``email.message`` do all that is needed (one connection
for a batch, STARTTLS or SSL, login), so no mail extension is added.

What the e-mail says is deliberately plain: no programme name, no word about trafficking,
assistance or the police, and the same short text in Ukrainian, Russian and English. The mailbox
may be shared with, or read by, the very person the respondent escaped; the link itself is the
only thing that matters and it opens the survey's own consent page.

Its text lives in the fieldwork catalogue. Nothing on record says which language a recipient
reads (contacts keep an address, no language), so every e-mail carries the text in each of
``MAIL_LANGUAGES``, each drawn in its own language with ``force_locale``: never in the language
of the officer who clicked "send". Translators: keep it as neutral as the English.

Why an e-mail did not go out is said in English in the audit log and in the officer's language
on the page (:class:`Failure`).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask_babel import force_locale, gettext, pgettext

from monitor.fieldwork.services import IssuedLink
from monitor.i18n import N_

#: The languages every invitation e-mail is written in, in this order.
MAIL_LANGUAGES: tuple[str, ...] = ("uk", "ru", "en")
#: Seconds to wait for the SMTP server before giving up on the batch.
TIMEOUT = 20
#: Between the languages of the body.
_SEPARATOR = "\n---\n\n"

#: Why a message did not go out, in English (the audit log's words); ``detail`` is the mail
#: server's or the system's own text, which stays as it came.
UNREACHABLE = N_("the mail server could not be reached (%(detail)s)")
ADDRESS_REFUSED = N_("the address was refused by the mail server")
CONNECTION_LOST = N_("the connection to the mail server was lost (%(detail)s)")
MESSAGE_REFUSED = N_("the mail server refused the message (%(detail)s)")


@dataclass(frozen=True)
class Failure:
    """Why one message did not go out: one of the reasons above and the server's detail."""

    reason: str
    detail: str = ""

    def __str__(self) -> str:
        """In English, for the audit log."""
        return self.reason % {"detail": self.detail}

    def translated(self) -> str:
        """In the language of the page that reports it."""
        return gettext(self.reason, detail=self.detail)


def _subject() -> str:
    """"Опитування / Опрос / Survey": the one word, in each language."""
    words = []
    for language in MAIL_LANGUAGES:
        with force_locale(language):
            words.append(pgettext("invitation e-mail", "Survey"))
    return " / ".join(words)


def _body(url: str, closes_on: str) -> str:
    """The text of the e-mail in each of ``MAIL_LANGUAGES``, one after the other."""
    parts = []
    for language in MAIL_LANGUAGES:
        with force_locale(language):
            parts.append("\n".join([
                pgettext("invitation e-mail", "Hello,"),
                "",
                pgettext("invitation e-mail", "Please answer a few questions. It takes about 10 minutes."),
                pgettext("invitation e-mail", "The link works until %(date)s:", date=closes_on),
                url,
                "",
                pgettext("invitation e-mail", "If you were not expecting this message, simply delete it."),
            ]) + "\n")
    return _SEPARATOR.join(parts)


@dataclass(frozen=True)
class MailSettings:
    """How to reach the SMTP server."""

    server: str
    port: int
    security: str  # starttls | ssl | none
    username: str
    password: str
    sender: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings | None:
        """The settings, or None when e-mail is off (the default)."""
        if not config.get("MAIL_SERVER"):
            return None
        return cls(config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_SECURITY"],
                   config.get("MAIL_USERNAME") or "", config.get("MAIL_PASSWORD") or "",
                   config["MAIL_FROM"])


@dataclass
class SendReport:
    """Which links went out, and why the others did not."""

    sent: list[IssuedLink] = field(default_factory=list)
    failed: list[tuple[IssuedLink, Failure]] = field(default_factory=list)


def invitation_message(sender: str, link: IssuedLink, url: str) -> EmailMessage:
    """The plain-text e-mail carrying one link, in each of ``MAIL_LANGUAGES`` (needs an app
    context for the translations; without one every part would be English)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = link.email or ""
    message["Subject"] = _subject()
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid()
    # One way of writing the date, read alike in all three languages.
    message.set_content(_body(url, link.closes_on.strftime("%d.%m.%Y")))
    return message


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.server, settings.port, timeout=TIMEOUT,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.server, settings.port, timeout=TIMEOUT)
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if settings.username:
        smtp.login(settings.username, settings.password)
    return smtp


def send_links(settings: MailSettings, links: Sequence[tuple[IssuedLink, str]]) -> SendReport:
    """Send each (link, url) to its address over one connection.

    A refused address fails that message only; a lost connection fails the rest of the batch.
    Never raises for mail errors: the caller takes back the links that were not sent.
    """
    report = SendReport()
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        reason = Failure(UNREACHABLE, f"{type(exc).__name__}: {exc}")
        report.failed = [(link, reason) for link, _ in links]
        return report
    try:
        for index, (link, url) in enumerate(links):
            try:
                smtp.send_message(invitation_message(settings.sender, link, url))
                report.sent.append(link)
            except smtplib.SMTPRecipientsRefused:
                report.failed.append((link, Failure(ADDRESS_REFUSED)))
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                reason = Failure(CONNECTION_LOST, str(exc))
                report.failed += [(rest, reason) for rest, _ in links[index:]]
                return report
            except smtplib.SMTPException as exc:
                report.failed.append((link, Failure(MESSAGE_REFUSED, str(exc))))
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return report
