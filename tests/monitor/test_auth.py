"""Logging in and out, sessions that lapse, and accounts from the command line."""

from __future__ import annotations

from sqlalchemy import select

from monitor.extensions import db
from monitor.models import AuditEvent, User
from tests.conftest import TEST_PASSWORD


def test_login_with_right_password_reaches_home(client, factory):
    user = factory.user("officer")
    response = client.post("/login", data={"email": user.email.upper(), "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.user_id == user.id)) == "login"


def test_wrong_password_and_unknown_email_get_the_same_answer(client, factory):
    user = factory.user("officer")
    wrong = client.post("/login", data={"email": user.email, "password": "not the password!"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "whatever12345"})
    assert wrong.status_code == unknown.status_code == 200
    assert b"The e-mail or the password is not right." in wrong.data
    assert b"The e-mail or the password is not right." in unknown.data
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_log_in(client, factory):
    user = factory.user("officer")
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_logout_needs_post_and_ends_session(client, login):
    login("evaluator")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client, factory):
    user = factory.user("officer")
    response = client.post("/login?next=//evil.example/x",
                           data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"


def test_users_create_reads_password_from_stdin(runner):
    result = runner.invoke(args=["users", "create", "New.Officer@Example.org", "--role", "officer"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new.officer@example.org"))
    assert user is not None and user.role == "officer"
    assert user.password_hash.startswith("$argon2id$")


def test_users_create_refuses_short_password_and_duplicates(runner, factory):
    short = runner.invoke(args=["users", "create", "a@example.org", "--role", "admin"], input="short\n")
    assert short.exit_code != 0 and "at least 12" in short.output
    factory.user("officer", email="taken@example.org")
    dup = runner.invoke(args=["users", "create", "taken@example.org", "--role", "admin"],
                        input="a long enough password\n")
    assert dup.exit_code != 0 and "already exists" in dup.output


def test_csrf_is_required_on_login(database_url, _schema):
    from tests.conftest import make_app

    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        response = app.test_client().post("/login", data={"email": "a@b.org", "password": "x" * 12})
    assert response.status_code == 400
    assert b"form expired" in response.data


def test_failed_logins_are_throttled_per_email_even_with_the_right_password(client, factory):
    from monitor.auth.views import LOGIN_LIMIT_PER_EMAIL

    user = factory.user("officer")
    for _ in range(LOGIN_LIMIT_PER_EMAIL):
        client.post("/login", data={"email": user.email, "password": "wrong password!!"})
    blocked = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert blocked.status_code == 429
    assert b"Too many failed attempts" in blocked.data
    assert client.get("/").status_code == 302


def test_throttle_counts_in_the_database_and_expires(app):
    from datetime import timedelta

    from monitor import throttle
    from monitor.models import ThrottleCounter

    window = timedelta(minutes=15)
    for _ in range(3):
        throttle.record_failure("k", window)
    db.session.commit()
    assert throttle.is_blocked("k", 3, window) and not throttle.is_blocked("k", 4, window)
    row = db.session.get(ThrottleCounter, "k")
    row.window_start -= timedelta(minutes=16)
    db.session.commit()
    assert not throttle.is_blocked("k", 3, window)
    throttle.record_failure("k", window)  # a new window starts at one
    db.session.commit()
    db.session.refresh(row)
    assert row.failures == 1
