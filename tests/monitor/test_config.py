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
    monkeypatch.setenv("PUBLIC_URL", "https://survey.example.org/")
    cfg = load_config(str(tmp_path))
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["SECRET_KEY"] == "k" * 64
    assert cfg["PUBLIC_URL"] == "https://survey.example.org"
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_a_secret_key_shorter_than_32_bytes(monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_ENV", "production")
    monkeypatch.setenv("PUBLIC_URL", "https://survey.example.org")
    monkeypatch.setenv("SECRET_KEY", "k" * 31)
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        load_config(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "ключ" * 4)  # 16 letters, 32 bytes in UTF-8
    assert load_config(str(tmp_path))["SECRET_KEY"] == "ключ" * 4


def test_production_refuses_to_start_without_an_https_public_url(monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with pytest.raises(ConfigError, match="needs PUBLIC_URL"):
        load_config(str(tmp_path))
    monkeypatch.setenv("PUBLIC_URL", "http://survey.example.org")
    with pytest.raises(ConfigError, match="https:// in production"):
        load_config(str(tmp_path))


@pytest.mark.parametrize("url", ["survey.example.org", "/r", "ftp://survey.example.org",
                                 "https://", "https://survey.example.org/?x=1",
                                 "https://user:pw@survey.example.org", "https://host:port",
                                 "javascript:alert(1)"])
def test_public_url_must_be_an_absolute_http_address(monkeypatch, tmp_path, url):
    monkeypatch.delenv("MONITOR_ENV", raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_URL must be an absolute http"):
        load_config(str(tmp_path), {"SECRET_KEY": "x", "PUBLIC_URL": url})


def test_public_url_in_development_is_where_monitor_run_serves(monkeypatch, tmp_path):
    monkeypatch.delenv("MONITOR_ENV", raising=False)
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    for name in ("FLASK_RUN_HOST", "FLASK_RUN_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert load_config(str(tmp_path), {"SECRET_KEY": "x"})["PUBLIC_URL"] == "http://127.0.0.1:5000"
    monkeypatch.setenv("FLASK_RUN_PORT", "8080")
    assert load_config(str(tmp_path), {"SECRET_KEY": "x"})["PUBLIC_URL"] == "http://127.0.0.1:8080"
    monkeypatch.setenv("PUBLIC_URL", "http://192.168.1.20:5000/monitor/")
    assert load_config(str(tmp_path), {"SECRET_KEY": "x"})["PUBLIC_URL"] == \
        "http://192.168.1.20:5000/monitor"


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
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("PUBLIC_URL", "https://survey.example.org")
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
