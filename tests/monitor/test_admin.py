"""Admin pages: accounts and the audit log."""

from __future__ import annotations

from sqlalchemy import select

from monitor.extensions import db
from monitor.models import User
from tests.conftest import TEST_PASSWORD


def test_admin_creates_deactivates_and_resets_accounts(app, client, login):
    admin = login("admin")
    response = client.post("/admin/users", data={"email": "eva@example.org", "role": "evaluator",
                                                 "password": "twelve chars long"})
    assert response.status_code == 302
    eva = db.session.scalar(select(User).where(User.email == "eva@example.org"))
    assert eva.role == "evaluator"

    other = app.test_client()
    assert other.post("/login", data={"email": "eva@example.org",
                                      "password": "twelve chars long"}).status_code == 302
    assert other.get("/").status_code == 200
    client.post(f"/admin/users/{eva.id}/active")
    db.session.refresh(eva)
    assert not eva.active
    assert other.get("/").status_code == 302  # her open session ended at once

    client.post(f"/admin/users/{eva.id}/active")
    client.post(f"/admin/users/{eva.id}/password", data={"password": "a brand new password"})
    assert other.post("/login", data={"email": "eva@example.org",
                                      "password": "a brand new password"}).status_code == 302

    refused = client.post(f"/admin/users/{admin.id}/active", follow_redirects=True)
    assert b"cannot deactivate your own account" in refused.data

    log = client.get("/admin/audit").get_data(as_text=True)
    for action in ("user_created", "user_deactivated", "user_activated", "password_set", "login"):
        assert action in log


def test_short_password_and_duplicate_are_refused(client, login):
    login("admin")
    short = client.post("/admin/users", data={"email": "x@example.org", "role": "officer",
                                              "password": "short"})
    assert b"at least 12" in short.data
    dup = client.post("/admin/users", data={"email": "x@example.org", "role": "officer",
                                            "password": TEST_PASSWORD})
    assert dup.status_code == 302
    again = client.post("/admin/users", data={"email": "X@example.org", "role": "officer",
                                              "password": TEST_PASSWORD})
    assert b"already exists" in again.data
