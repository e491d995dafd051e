"""Configuration is validated at start-up; SQLite connections are set up for safe concurrency."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import text

from monitor import create_app
from monitor.config import ConfigError, load_config
from monitor.extensions import db


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))


def test_production_with_secret_key_uses_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    cfg = load_config(str(tmp_path))
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["SECRET_KEY"] == "k" * 64
    assert not (tmp_path / "secret_key").exists()


def test_development_key_is_kept_owner_only_and_reused(monkeypatch, tmp_path):
    monkeypatch.delenv("MONITOR_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(str(tmp_path))["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_config(str(tmp_path))["SECRET_KEY"] == first and len(first) == 64


def test_database_url_defaults_to_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    cfg = load_config(str(tmp_path), {"SECRET_KEY": "x"})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'monitor.sqlite3'}"


def test_postgres_urls_use_psycopg3_and_others_are_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    cfg = load_config(str(tmp_path), {"SECRET_KEY": "x"})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("DATABASE_URL", "mysql://u@h/db")
    with pytest.raises(ConfigError, match="SQLite or PostgreSQL"):
        load_config(str(tmp_path), {"SECRET_KEY": "x"})


def test_suppression_threshold_cannot_go_below_five(monkeypatch, tmp_path):
    monkeypatch.setenv("SUPPRESSION_THRESHOLD", "4")
    with pytest.raises(ConfigError, match="floor of 5"):
        load_config(str(tmp_path), {"SECRET_KEY": "x"})


def test_cheap_hashing_is_refused_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("ARGON2_PROFILE", "test")
    with pytest.raises(ConfigError, match="test suite only"):
        load_config(str(tmp_path))


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                      "SECRET_KEY": "x"})
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        db.engine.dispose()


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_error_pages_use_the_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"There is no page at this address." in response.data
    assert b"NRM Monitor" in response.data


def test_client_address_comes_from_the_proxy_only_when_told_to_trust_it(database_url, tmp_path):
    from flask import request

    for trusted, expected in ((None, "10.0.0.1"), (1, "203.0.113.9")):
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x",
                          **({"TRUSTED_PROXIES": trusted} if trusted else {})})
        seen: list[str] = []
        app.before_request(lambda seen=seen: seen.append(request.remote_addr))
        app.test_client().get("/login", headers={"X-Forwarded-For": "203.0.113.9"},
                              environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert seen == [expected]


def test_trusted_proxies_must_be_a_small_whole_number(tmp_path):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_config(str(tmp_path), {"SECRET_KEY": "x", "TRUSTED_PROXIES": "yes"})


def test_staff_session_limits_default_to_30_minutes_and_8_hours_and_are_checked(monkeypatch,
                                                                               tmp_path):
    monkeypatch.delenv("STAFF_SESSION_IDLE_MINUTES", raising=False)
    monkeypatch.delenv("STAFF_SESSION_MAX_HOURS", raising=False)
    cfg = load_config(str(tmp_path), {"SECRET_KEY": "x"})
    assert (cfg["STAFF_SESSION_IDLE_MINUTES"], cfg["STAFF_SESSION_MAX_HOURS"]) == (30, 8)
    monkeypatch.setenv("STAFF_SESSION_IDLE_MINUTES", "15")
    assert load_config(str(tmp_path), {"SECRET_KEY": "x"})["STAFF_SESSION_IDLE_MINUTES"] == 15
    for bad in ({"STAFF_SESSION_IDLE_MINUTES": "0"}, {"STAFF_SESSION_IDLE_MINUTES": "soon"},
                {"STAFF_SESSION_MAX_HOURS": "0"}, {"STAFF_SESSION_MAX_HOURS": "72"},
                {"STAFF_SESSION_IDLE_MINUTES": "600", "STAFF_SESSION_MAX_HOURS": "8"}):
        with pytest.raises(ConfigError, match="STAFF_SESSION"):
            load_config(str(tmp_path), {"SECRET_KEY": "x", **bad})
