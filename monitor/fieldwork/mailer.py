"""E-mailing invitation links, off unless ``MAIL_SERVER`` is configured.

The standard library's ``smtplib`` and ``email.message`` do all that is needed (one connection
for a batch, STARTTLS or SSL, login), so no mail extension is added.

What the e-mail says is deliberately plain: no programme name, no word about trafficking,
assistance or the police, and the same short text in Ukrainian, Russian and English. The mailbox
may be shared with, or read by, the very person the respondent escaped; the link itself is the
only thing that matters and it opens the survey's own consent page.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from monitor.fieldwork.services import IssuedLink

SUBJECT = "Опитування / Опрос / Survey"
#: Seconds to wait for the SMTP server before giving up on the batch.
TIMEOUT = 20

_BODY = """\
Вітаємо!

Просимо вас відповісти на кілька запитань. Це займе близько 10 хвилин.
Посилання діє до {closes_on}:
{url}

Якщо ви не чекали цього листа, просто видаліть його.

---

Здравствуйте!

Просим вас ответить на несколько вопросов. Это займёт около 10 минут.
Ссылка действует до {closes_on}:
{url}

Если вы не ждали этого письма, просто удалите его.

---

Hello,

Please answer a few questions. It takes about 10 minutes.
The link works until {closes_on}:
{url}

If you were not expecting this message, simply delete it.
"""


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
    failed: list[tuple[IssuedLink, str]] = field(default_factory=list)


def invitation_message(sender: str, link: IssuedLink, url: str) -> EmailMessage:
    """The plain-text e-mail carrying one link."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = link.email or ""
    message["Subject"] = SUBJECT
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid()
    message.set_content(_BODY.format(url=url, closes_on=link.closes_on.strftime("%d.%m.%Y")))
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
        reason = f"the mail server could not be reached ({type(exc).__name__}: {exc})"
        report.failed = [(link, reason) for link, _ in links]
        return report
    try:
        for index, (link, url) in enumerate(links):
            try:
                smtp.send_message(invitation_message(settings.sender, link, url))
                report.sent.append(link)
            except smtplib.SMTPRecipientsRefused:
                report.failed.append((link, "the address was refused by the mail server"))
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                reason = f"the connection to the mail server was lost ({exc})"
                report.failed += [(rest, reason) for rest, _ in links[index:]]
                return report
            except smtplib.SMTPException as exc:
                report.failed.append((link, f"the mail server refused the message ({exc})"))
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return report
