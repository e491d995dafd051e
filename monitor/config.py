"""Configuration: read from the environment and validated once at start-up.

A misconfigured production server must refuse to start with a message that says what to fix,
rather than run with a guessable secret or an unreachable database.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class ConfigError(RuntimeError):
    """Raised when the configuration cannot be used; the message says what to change."""


#: Disclosure control: cells below this count are suppressed in anything an evaluator sees.
#: The design fixes a floor of 5 below which no configuration may go.
MIN_SUPPRESSION_THRESHOLD = 5

#: The shortest SECRET_KEY production accepts: it signs the sessions of staff and respondents.
MIN_SECRET_KEY_BYTES = 32


def _dev_secret_key(instance_path: Path) -> str:
    """Return the development secret kept in instance/, creating it owner-only on first use."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        # O_EXCL so two processes starting together cannot both write a different key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    mode = stat.S_IMODE(key_file.stat().st_mode)
    if mode & 0o077:
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the configuration from defaults, the environment and ``overrides``, then validate it.

    Raises:
        ConfigError: production without SECRET_KEY (or with one shorter than 32 bytes) or
            without an https PUBLIC_URL, a PUBLIC_URL that is not an absolute http(s) URL, a
            bad suppression threshold, or an unsupported database URL.
    """
    instance = Path(instance_path)
    env = os.environ
    production = env.get("MONITOR_ENV", "development").lower() == "production"
    cfg: dict[str, Any] = {
        "PRODUCTION": production,
        "SECRET_KEY": env.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or f"sqlite:///{instance / 'monitor.sqlite3'}",
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "SUPPRESSION_THRESHOLD": int(env.get("SUPPRESSION_THRESHOLD", "11")),
        "PAGE_SIZE": 25,
        # The programme's calendar: due dates, windows and expiry are days in this time zone
        # (monitor.clock), whatever the server's own zone is.
        "PROGRAMME_TIMEZONE": env.get("PROGRAMME_TIMEZONE", "Europe/Kyiv"),
        # Uploads are spreadsheets of a programme's registry; 20 MB holds several 100,000 rows.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))),
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        # Staff sessions live in the database (monitor/auth/sessions.py): ended after this many
        # minutes without a request, and this many hours after the login whatever the activity.
        "STAFF_SESSION_IDLE_MINUTES": env.get("STAFF_SESSION_IDLE_MINUTES", "30"),
        "STAFF_SESSION_MAX_HOURS": env.get("STAFF_SESSION_MAX_HOURS", "8"),
        "WTF_CSRF_TIME_LIMIT": None,
        # argon2id cost; tests lower it (hashing at the default costs ~100 ms).
        "ARGON2_PROFILE": env.get("ARGON2_PROFILE", "default"),
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto. 0 (the
        # default) trusts none: the client address is the socket's. Behind one proxy it must be
        # 1, or every respondent shares the proxy's address and one person's failed links would
        # lock everyone out of the token and login limits.
        "TRUSTED_PROXIES": env.get("TRUSTED_PROXIES", "0"),
        # E-mailing invitation links is off unless an SMTP server is named: a link in a mailbox
        # someone else may read can put a survivor at risk, so officers opt in per batch.
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": env.get("MAIL_PORT", "587"),
        "MAIL_SECURITY": env.get("MAIL_SECURITY", "starttls"),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": env.get("MAIL_FROM", ""),
        # At most this many links e-mailed per click; the rest stay without a link for the next.
        "MAIL_BATCH": int(env.get("MAIL_BATCH", "500")),
        # The address respondents open, which every link is built on: never the request's
        # Host header, which the client chooses (a forged one would send links elsewhere).
        "PUBLIC_URL": env.get("PUBLIC_URL") or None,
    }
    if overrides:
        cfg.update(overrides)

    url = cfg["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if not (url.startswith("sqlite") or url.startswith("postgresql+psycopg")):
        raise ConfigError(
            f"DATABASE_URL must be a SQLite or PostgreSQL URL, got {url.split(':', 1)[0]!r}."
        )
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})

    if not cfg["SECRET_KEY"]:
        if cfg["PRODUCTION"]:
            raise ConfigError(
                "MONITOR_ENV=production needs SECRET_KEY set in the environment "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        cfg["SECRET_KEY"] = _dev_secret_key(instance)
    elif cfg["PRODUCTION"] and len(str(cfg["SECRET_KEY"]).encode()) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(
            f"SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes in production "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    cfg["PUBLIC_URL"] = _public_url(cfg["PUBLIC_URL"], cfg["PRODUCTION"], env)

    threshold = cfg["SUPPRESSION_THRESHOLD"]
    if threshold < MIN_SUPPRESSION_THRESHOLD:
        raise ConfigError(
            f"SUPPRESSION_THRESHOLD={threshold} is below the floor of {MIN_SUPPRESSION_THRESHOLD}: "
            "smaller cells could identify a person."
        )
    proxies = str(cfg["TRUSTED_PROXIES"])
    if not proxies.isdigit() or int(proxies) > 5:
        raise ConfigError("TRUSTED_PROXIES must be a whole number from 0 to 5 (the reverse proxies in front).")
    cfg["TRUSTED_PROXIES"] = int(proxies)
    _check_timezone(cfg["PROGRAMME_TIMEZONE"])
    _check_staff_sessions(cfg)
    _check_mail(cfg)
    if cfg["ARGON2_PROFILE"] not in ("default", "test"):
        raise ConfigError("ARGON2_PROFILE must be 'default' or 'test'.")
    if cfg["PRODUCTION"] and cfg["ARGON2_PROFILE"] != "default":
        raise ConfigError("ARGON2_PROFILE=test is for the test suite only, never production.")
    return cfg


def _check_staff_sessions(cfg: dict[str, Any]) -> None:
    """Validate the staff session limits: whole numbers, idle within the absolute limit."""
    idle, longest = str(cfg["STAFF_SESSION_IDLE_MINUTES"]), str(cfg["STAFF_SESSION_MAX_HOURS"])
    if not idle.isdigit() or int(idle) < 1:
        raise ConfigError("STAFF_SESSION_IDLE_MINUTES must be a whole number of minutes, at least 1.")
    if not longest.isdigit() or not 1 <= int(longest) <= 24:
        raise ConfigError("STAFF_SESSION_MAX_HOURS must be a whole number of hours from 1 to 24.")
    if int(idle) > int(longest) * 60:
        raise ConfigError("STAFF_SESSION_IDLE_MINUTES cannot be longer than STAFF_SESSION_MAX_HOURS.")
    cfg["STAFF_SESSION_IDLE_MINUTES"], cfg["STAFF_SESSION_MAX_HOURS"] = int(idle), int(longest)


_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def _check_timezone(name: str) -> None:
    """PROGRAMME_TIMEZONE must be an IANA zone this machine knows (e.g. Europe/Kyiv)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"PROGRAMME_TIMEZONE={name!r} is not a time zone this machine knows "
                          "(use an IANA name such as Europe/Kyiv).") from exc


def _public_url(value: str | None, production: bool, env: Mapping[str, str]) -> str:
    """PUBLIC_URL checked and without a trailing slash: an absolute http(s) URL, https and
    required in production; in development where ``monitor run`` serves (127.0.0.1:5000
    unless FLASK_RUN_HOST or FLASK_RUN_PORT say otherwise).

    Raises:
        ConfigError: missing in production, not https there, or not an absolute http(s) URL.
    """
    if not value:
        if production:
            raise ConfigError(
                "MONITOR_ENV=production needs PUBLIC_URL, the https address respondents open "
                "(for example: PUBLIC_URL=https://survey.example.org); links are built on it."
            )
        host = env.get("FLASK_RUN_HOST") or "127.0.0.1"
        return f"http://{host}:{env.get('FLASK_RUN_PORT') or 5000}"
    parts = urlsplit(str(value).strip())
    try:
        port_ok = parts.port != 0
    except ValueError:  # not a number, or out of range
        port_ok = False
    if (parts.scheme not in ("http", "https") or not parts.hostname or not port_ok
            or parts.query or parts.fragment or "@" in parts.netloc):
        raise ConfigError(f"PUBLIC_URL must be an absolute http(s) address such as "
                          f"https://survey.example.org, got {value!r}.")
    if production and parts.scheme != "https":
        raise ConfigError("PUBLIC_URL must start with https:// in production: the links carry "
                          "the respondents' tokens.")
    return parts.geturl().rstrip("/")


def _check_mail(cfg: dict[str, Any]) -> None:
    """Validate the optional SMTP settings (only when MAIL_SERVER is set)."""
    if not cfg["MAIL_SERVER"]:
        return
    port = str(cfg["MAIL_PORT"])
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"MAIL_PORT must be a port number, got {port!r}.")
    cfg["MAIL_PORT"] = int(port)
    if cfg["MAIL_SECURITY"] not in ("starttls", "ssl", "none"):
        raise ConfigError("MAIL_SECURITY must be 'starttls', 'ssl' or 'none'.")
    if (cfg["PRODUCTION"] and cfg["MAIL_SECURITY"] == "none"
            and cfg["MAIL_SERVER"] not in _LOCAL_HOSTS):
        raise ConfigError("MAIL_SECURITY=none sends links in clear text: only allowed to a relay "
                          "on this machine (MAIL_SERVER=localhost).")
    if "@" not in str(cfg["MAIL_FROM"]):
        raise ConfigError("MAIL_SERVER is set but MAIL_FROM (the sender's address) is not.")
    if int(cfg["MAIL_BATCH"]) < 1:
        raise ConfigError("MAIL_BATCH must be at least 1.")
