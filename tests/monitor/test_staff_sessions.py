"""Staff sessions kept on the server: logout, the idle and absolute limits, a new session at
each login, a password change and a deactivation end them on every host.

Time is moved by moving the session's stored times back in the database, never by sleeping.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from monitor.auth.access import rule_access
from monitor.extensions import db
from monitor.models import AuditEvent, StaffSession
from tests.conftest import TEST_PASSWORD, make_app

NEW_PASSWORD = "a brand new password"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _log_in(client, user, password: str = TEST_PASSWORD) -> None:
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302 and response.headers["Location"] == "/", response.data


def _identity(app, client) -> str:
    """The identity the browser's signed cookie carries."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)["_user_id"]


def _with_cookie_of(app, client):
    """A new browser holding a copy of ``client``'s cookie as it is now."""
    cookie = client.get_cookie("session")
    other = app.test_client()
    other.set_cookie("session", cookie.value, domain=cookie.domain, path=cookie.path)
    return other


def _row(identity: str) -> StaffSession:
    """The stored session of ``identity``, read afresh."""
    digest = hashlib.sha256(identity.encode()).hexdigest()
    return db.session.scalar(select(StaffSession).where(StaffSession.session_hash == digest)
                             .execution_options(populate_existing=True))


def _set_times(identity: str, *, logged_in_ago: timedelta, seen_ago: timedelta) -> None:
    row = _row(identity)
    now = _now()
    row.created_at, row.last_seen_at = now - logged_in_ago, now - seen_ago
    db.session.commit()


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def _change_password(client, current: str, new: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post("/account/password", data={
        "current": current, "new": new, "confirm": new if confirm is None else confirm})


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- logout -------------------------------------------------------------------------------------

def test_a_cookie_kept_from_before_logout_opens_nothing(app, client, login, factory):
    login("officer")
    person = factory.person()
    assert client.get(f"/registry/persons/{person.id}").status_code == 200
    kept = _with_cookie_of(app, client)
    identity = _identity(app, client)

    assert client.post("/logout").status_code == 302

    assert _sent_to_login(kept.get(f"/registry/persons/{person.id}"))
    assert _row(identity).end_reason == "logout"
    for rule in app.url_map.iter_rules():  # and everywhere else that needs a login
        if rule_access(app, rule.endpoint) == "public":
            continue
        url = rule.build({arg: 1 for arg in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = kept.open(url, method=method)
            response.close()
            if method == "GET":
                assert _sent_to_login(response), (method, url, response.status_code)
            else:
                assert response.status_code == 401, (method, url, response.status_code)


def test_logout_on_one_host_ends_the_session_on_every_host(app, client, login, database_url):
    """Several app servers share one database: the session's state is there, not in a process."""
    login("officer")
    other_host = make_app(database_url)
    same_browser = other_host.test_client()
    cookie = client.get_cookie("session")
    same_browser.set_cookie("session", cookie.value, domain=cookie.domain, path=cookie.path)
    try:
        assert same_browser.get("/").status_code == 200
        client.post("/logout")
        assert _sent_to_login(same_browser.get("/"))
    finally:
        with other_host.app_context():
            db.engine.dispose()


# --- the limits ---------------------------------------------------------------------------------

def test_the_8_hour_limit_counts_from_the_login_however_often_the_cookie_is_rewritten(app, client,
                                                                                      login):
    assert app.config["STAFF_SESSION_MAX_HOURS"] == 8
    login("officer")
    identity = _identity(app, client)
    _set_times(identity, logged_in_ago=timedelta(hours=7, minutes=58),
               seen_ago=timedelta(minutes=2))
    logged_in_at = _row(identity).created_at

    assert client.get("/").status_code == 200  # active all along: neither limit is reached
    row = _row(identity)
    assert row.created_at == logged_in_at  # activity never moves the login
    assert row.last_seen_at > logged_in_at + timedelta(hours=7)

    with client.session_transaction() as cookie:
        cookie["rewritten"] = True  # the cookie is signed anew, with a fresh timestamp
    _set_times(identity, logged_in_ago=timedelta(hours=8, minutes=1), seen_ago=timedelta(minutes=1))

    assert _sent_to_login(client.get("/"))
    assert _row(identity).end_reason == "expired"
    assert _sent_to_login(client.get("/"))  # and it stays ended


def test_30_minutes_without_a_request_end_the_session(app, client, login):
    assert app.config["STAFF_SESSION_IDLE_MINUTES"] == 30
    login("evaluator")
    identity = _identity(app, client)
    _set_times(identity, logged_in_ago=timedelta(minutes=40), seen_ago=timedelta(minutes=29))

    assert client.get("/").status_code == 200
    seen = _row(identity).last_seen_at
    assert _now() - seen < timedelta(seconds=30)  # the request counted as activity

    _set_times(identity, logged_in_ago=timedelta(hours=1), seen_ago=timedelta(minutes=31))
    assert _sent_to_login(client.get("/"))
    assert _row(identity).end_reason == "idle"


def test_last_seen_is_written_at_most_once_a_minute(app, client, login):
    login("officer")
    identity = _identity(app, client)
    _set_times(identity, logged_in_ago=timedelta(minutes=5), seen_ago=timedelta(seconds=50))
    before = _row(identity).last_seen_at
    assert client.get("/").status_code == 200
    assert _row(identity).last_seen_at == before
    _set_times(identity, logged_in_ago=timedelta(minutes=5), seen_ago=timedelta(seconds=61))
    assert client.get("/").status_code == 200
    assert _now() - _row(identity).last_seen_at < timedelta(seconds=30)


# --- login --------------------------------------------------------------------------------------

def test_each_login_opens_a_new_session_and_the_database_keeps_only_its_hash(app, client, factory):
    user = factory.user("officer")
    with client.session_transaction() as planted:  # what someone else put in the browser
        planted["_user_id"] = "x" * 43
        planted["planted"] = "value"
    _log_in(client, user)
    first = _identity(app, client)
    assert first != "x" * 43
    with client.session_transaction() as cookie:
        assert "planted" not in cookie  # a fresh cookie at login: no fixation

    row = _row(first)
    assert row.user_id == user.id and row.ended_at is None
    stored = db.session.execute(select(StaffSession.__table__)).all()
    assert not any(first in str(value) for line in stored for value in line)

    client.post("/logout")
    _log_in(client, user)
    second = _identity(app, client)
    assert second != first
    assert _row(first).end_reason == "logout" and _row(second).ended_at is None

    elsewhere = app.test_client()
    _log_in(elsewhere, user)
    third = _identity(app, elsewhere)
    assert third not in (first, second)
    assert client.get("/").status_code == elsewhere.get("/").status_code == 200


def test_an_identity_of_the_old_kind_opens_nothing(app, client, factory):
    user = factory.user("admin")
    with client.session_transaction() as cookie:
        cookie["_user_id"] = f"{user.id}:1"  # what cookies held before sessions were stored
    assert _sent_to_login(client.get("/"))


# --- changing one's own password ----------------------------------------------------------------

def test_changing_ones_password_ends_the_other_sessions_and_renews_this_one(app, client, factory):
    user = factory.user("evaluator")
    _log_in(client, user)
    other = app.test_client()
    _log_in(other, user)
    assert b'href="/account/password"' in client.get("/").data  # linked beside logout
    old_identity = _identity(app, client)
    logged_in_at = _row(old_identity).created_at
    copy_of_this_cookie = _with_cookie_of(app, client)

    response = _change_password(client, TEST_PASSWORD)

    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser stays logged in
    assert _sent_to_login(other.get("/"))
    assert _sent_to_login(copy_of_this_cookie.get("/"))
    renewed = _identity(app, client)
    assert renewed != old_identity
    assert _row(old_identity).end_reason == "password"
    assert _row(renewed).created_at == logged_in_at  # the 8 hours still count from the login
    assert "password_changed" in _actions()

    assert app.test_client().post("/login", data={"email": user.email,
                                                  "password": TEST_PASSWORD}).status_code == 200
    _log_in(app.test_client(), user, NEW_PASSWORD)


def test_a_wrong_current_password_changes_nothing(app, client, factory):
    user = factory.user("officer")
    _log_in(client, user)
    other = app.test_client()
    _log_in(other, user)

    wrong = _change_password(client, "not my password at all")
    assert wrong.status_code == 200 and b"The current password is not right." in wrong.data
    mismatch = _change_password(client, TEST_PASSWORD, confirm="a different new one")
    assert b"The two new passwords are not the same." in mismatch.data
    short = _change_password(client, TEST_PASSWORD, new="short")
    assert b"at least 12" in short.data

    assert client.get("/").status_code == other.get("/").status_code == 200
    _log_in(app.test_client(), user, TEST_PASSWORD)
    actions = _actions()
    assert "password_change_failed" in actions and "password_changed" not in actions


def test_wrong_current_passwords_are_throttled(app, client, factory):
    from monitor.auth.views import PASSWORD_CHANGE_LIMIT

    user = factory.user("officer")
    _log_in(client, user)
    for _ in range(PASSWORD_CHANGE_LIMIT):
        _change_password(client, "guessing the password")
    blocked = _change_password(client, TEST_PASSWORD)
    assert blocked.status_code == 429
    _log_in(app.test_client(), user, TEST_PASSWORD)  # still the old password


# --- the administrator's changes ----------------------------------------------------------------

def test_deactivation_ends_every_session_of_the_account(app, client, login, factory):
    login("admin")
    officer = factory.user("officer")
    phone, laptop = app.test_client(), app.test_client()
    _log_in(phone, officer)
    _log_in(laptop, officer)
    identities = [_identity(app, phone), _identity(app, laptop)]

    client.post(f"/admin/users/{officer.id}/active")

    assert _sent_to_login(phone.get("/")) and _sent_to_login(laptop.get("/"))
    assert [_row(i).end_reason for i in identities] == ["deactivated", "deactivated"]
    client.post(f"/admin/users/{officer.id}/active")  # active again: the ended sessions stay ended
    assert _sent_to_login(_with_cookie_of(app, laptop).get("/"))


def test_a_password_reset_by_an_admin_ends_the_accounts_sessions(app, client, login, factory):
    login("admin")
    officer = factory.user("officer")
    browser = app.test_client()
    _log_in(browser, officer)
    identity = _identity(app, browser)

    client.post(f"/admin/users/{officer.id}/password", data={"password": NEW_PASSWORD})

    assert _sent_to_login(browser.get("/"))
    assert _row(identity).end_reason == "password"
    assert client.get("/").status_code == 200  # the admin's own session is untouched
