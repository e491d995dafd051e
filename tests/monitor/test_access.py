"""Who may reach what: every rule in the URL map, walked as each role.

The expected policy is written here by hand, by endpoint prefix. A new endpoint that matches no
entry fails the test, so nobody adds a page without deciding who may see it.
"""

from __future__ import annotations

import re

import pytest

from monitor.auth.access import rule_access
from tests.conftest import TEST_PASSWORD, make_app

ANON, ADMIN, OFFICER, EVALUATOR = "anonymous", "admin", "officer", "evaluator"
STAFF = {ADMIN, OFFICER, EVALUATOR}
REGISTRY = {ADMIN, OFFICER}

#: endpoint pattern -> who may reach it ("public": everybody, anonymous included).
POLICY: list[tuple[str, set[str] | str]] = [
    (r"^static$", "public"),
    (r"^auth\.login$", "public"),
    (r"^auth\.logout$", STAFF),
    (r"^auth\.password$", STAFF),
    (r"^auth\.language$", STAFF),
    (r"^home\.index$", STAFF),
    # Evaluators never reach the registry or its raw data, imports included.
    (r"^registry\.", REGISTRY),
    (r"^admin\.", {ADMIN}),
    (r"^designer\.", REGISTRY),
    # Respondents hold a link, not an account: their pages are public (the link is the key).
    (r"^respondent\.", "public"),
    # Who was invited and what they answered: officers and admins only, never evaluators.
    (r"^fieldwork\.", REGISTRY),
]

#: The short public list: anything else public is a mistake.
PUBLIC_ALLOWED = {"static", "auth.login", "respondent.open", "respondent.resume",
                  "respondent.consent", "respondent.section", "respondent.review",
                  "respondent.submit", "respondent.done", "respondent.language",
                  "respondent.quick_exit", "respondent.notice"}


def expected_for(endpoint: str):
    matches = [who for pattern, who in POLICY if re.search(pattern, endpoint)]
    assert len(matches) == 1, f"{endpoint}: add it to POLICY in {__file__} ({len(matches)} matches)"
    return matches[0]


def _url(rule) -> str:
    values = {arg: 1 for arg in rule.arguments}
    if "filename" in values:
        values["filename"] = "monitor.css"
    if "kind" in values:
        values["kind"] = "providers"
    return rule.build(values)[1]


def test_every_endpoint_declares_the_expected_access(app):
    for rule in app.url_map.iter_rules():
        expected = expected_for(rule.endpoint)
        actual = rule_access(app, rule.endpoint)
        if expected == "public":
            assert actual == "public", rule.endpoint
            assert rule.endpoint in PUBLIC_ALLOWED
        else:
            assert actual != "public", f"{rule.endpoint} is public but should need login"
            assert set(actual) == expected, f"{rule.endpoint}: {sorted(actual)} != {sorted(expected)}"


def test_undecorated_view_is_refused_to_everybody(database_url, app, factory):
    """Deny by default: a view without @public or @allow is 403 even for an admin."""
    # An app of its own: the shared one must not keep the extra route (nor can it take one
    # once it has served a request).
    own = make_app(database_url)
    own.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    client = own.test_client()
    assert client.get("/forgotten").status_code == 302  # anonymous: off to the login page
    admin = factory.user("admin")
    client.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
    assert client.get("/forgotten").status_code == 403


@pytest.mark.parametrize("role", [ANON, ADMIN, OFFICER, EVALUATOR])
def test_each_role_reaches_only_what_the_policy_allows(app, client, login, role):
    if role != ANON:
        login(role)
    checked = 0
    for rule in app.url_map.iter_rules():
        expected = expected_for(rule.endpoint)
        allowed = expected == "public" or role in expected
        url = _url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "auth.logout":
                continue  # logging out would end the walk; covered in test_auth
            response = client.open(url, method=method)
            response.close()
            checked += 1
            if allowed:
                assert response.status_code not in (401, 403), (role, method, url)
            elif role == ANON:
                assert response.status_code in (302, 401), (method, url, response.status_code)
                if response.status_code == 302:
                    assert response.headers["Location"].startswith("/login")
            else:
                assert response.status_code == 403, (role, method, url, response.status_code)
    assert checked > 20
