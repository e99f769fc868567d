"""Passwords: changed with the old one, reset through a single-use link mailed through the
outbox (the same answer whether the account exists), and none of the common ones."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import AccountToken
from lms.db import db, utcnow
from tests.accounts_fixtures import link_path, mailed, sign_in, signed_in
from tests.factories import PASSWORD
from tests.support import fresh

NEW = "a brand new phrase"


def test_changing_the_password_needs_the_current_one_and_signs_out_other_devices(app, make_user):
    # The current password is asked for; once changed, other browsers are signed out and
    # this one stays; the old password no longer signs in.
    user = make_user()
    here, there = app.test_client(), app.test_client()
    sign_in(here, user)
    sign_in(there, user, remember=True)
    wrong = here.post("/profile/password", data={"current": "not-it-at-all", "new": NEW})
    assert wrong.status_code == 422 and "current password" in wrong.text
    assert here.post("/profile/password", data={"current": PASSWORD, "new": NEW}).status_code == 303
    assert signed_in(here) and not signed_in(there)
    other = app.test_client()
    assert sign_in(other, user).status_code == 401
    assert sign_in(other, user, NEW).status_code == 302


def test_the_api_changes_the_password_too(client, make_user, api_token):
    # PUT /api/v1/me/password takes the current and the new password.
    user = make_user()
    headers = api_token(user)
    body = {"current_password": "wrong-password", "new_password": NEW}
    assert client.put("/api/v1/me/password", json=body, headers=headers).status_code == 422
    body["current_password"] = PASSWORD
    assert client.put("/api/v1/me/password", json=body, headers=headers).status_code == 204
    assert sign_in(client, user, NEW).status_code == 302


def test_a_reset_link_is_mailed_and_works_once(client, make_user):
    # "Forgot your password?" mails a link through the outbox; it sets a new password once,
    # every device is signed out, and the token is kept only as its hash.
    user = make_user()
    other = client.application.test_client()
    sign_in(other, user, remember=True)
    assert client.post("/password/forgot", data={"email": user.email}).status_code == 303
    (message,) = mailed("account.reset")
    assert message.recipient_address == user.email
    path = link_path(message)
    token = path.rsplit("/", 1)[1]
    stored = db.session.scalars(sa.select(AccountToken.token_hash)).all()
    assert stored and token not in stored
    assert client.get(path).status_code == 200
    assert client.post(path, data={"new": NEW}).status_code == 303
    assert client.get(path).status_code == 410
    assert client.post(path, data={"new": "another phrase again"}).status_code == 410
    assert not signed_in(other)
    assert sign_in(client, user).status_code == 401
    assert sign_in(client, user, NEW).status_code == 302


def test_a_new_password_on_the_page_revokes_every_api_token(app, make_user, api_token, login):
    # Changing the password on the profile page revokes every API token of the person (and
    # nobody else's): whoever had the old password and made a token has no way in left.
    user, someone = make_user(), make_user()
    tokens = [api_token(user), api_token(user)]
    theirs = api_token(someone)
    client = app.test_client()
    login(user, client=client)
    assert all(client.get("/api/v1/me", headers=t).status_code == 200 for t in tokens)
    answer = client.post("/profile/password", data={"current": PASSWORD, "new": NEW})
    assert answer.status_code == 303
    assert "API tokens revoked" in client.get("/profile").text
    assert [client.get("/api/v1/me", headers=t).status_code for t in tokens] == [401, 401]
    assert client.get("/api/v1/me", headers=theirs).status_code == 200


def test_a_new_password_through_the_api_keeps_only_the_token_it_was_made_with(
    app, client, make_user, api_token
):
    # PUT /api/v1/me/password revokes every other token of the person and ends their web
    # sessions; the token the change was made with goes on working, as the browser a page
    # change is made in stays signed in.
    user = make_user()
    used, other = api_token(user), api_token(user)
    browser = app.test_client()
    sign_in(browser, user)
    body = {"current_password": PASSWORD, "new_password": NEW}
    assert client.put("/api/v1/me/password", json=body, headers=used).status_code == 204
    assert client.get("/api/v1/me", headers=used).status_code == 200
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert not signed_in(browser)


def test_a_reset_revokes_every_api_token(client, make_user, api_token):
    # A new password chosen through a reset link revokes every API token of the account: a
    # reset is what someone does who fears the old password is known.
    user = make_user()
    headers = api_token(user)
    assert client.post("/password/forgot", data={"email": user.email}).status_code == 303
    (message,) = mailed("account.reset")
    assert client.post(link_path(message), data={"new": NEW}).status_code == 303
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_profile_says_what_a_new_password_ends(client, make_user, login):
    # The profile and the password page tell the person that a new password signs out other
    # devices and revokes their API tokens.
    login(make_user())
    assert "revokes every API token" in client.get("/profile").text
    assert "every API token you made will stop working" in client.get("/profile/password").text


def test_a_reset_link_expires(client, make_user):
    # A link older than its hour opens nothing.
    user = make_user()
    client.post("/password/forgot", data={"email": user.email})
    path = link_path(mailed("account.reset")[0])
    db.session.execute(sa.update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.post(path, data={"new": NEW}).status_code == 410
    assert fresh(user).password_hash == user.password_hash


def test_only_the_newest_reset_link_works(client, make_user):
    # Asking twice retires the first link.
    user = make_user()
    client.post("/password/forgot", data={"email": user.email})
    client.post("/password/forgot", data={"email": user.email})
    first, second = (link_path(m) for m in mailed("account.reset"))
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_a_reset_answers_the_same_whether_the_account_exists(client, make_user, monkeypatch):
    # Known or unknown address: the same page, the same API body, and the same work (the
    # message is rendered both times); only the real account gets mail.
    from lms.accounts import mail

    rendered = []
    real = mail._render
    monkeypatch.setattr(mail, "_render", lambda n, c: rendered.append(n) or real(n, c))
    user = make_user()
    pages = []
    for email in (user.email, "nobody@aula.test"):
        answer = client.post("/password/forgot", data={"email": email}, follow_redirects=True)
        pages.append((answer.status_code, answer.text.replace(email, "")))
    assert pages[0] == pages[1]
    assert rendered == ["reset.txt", "reset.html"] * 2
    bodies = [
        client.post("/api/v1/password-reset", json={"email": email})
        for email in (user.email, "nobody@aula.test")
    ]
    assert [b.status_code for b in bodies] == [202, 202]
    assert bodies[0].json == bodies[1].json
    assert [m.recipient_address for m in mailed("account.reset")] == [user.email] * 2
    assert mailed("account.decoy") == []  # the unknown address's writes were taken back


def test_a_reset_writes_as_much_for_an_unknown_address(app, make_user):
    # Most of a reset's time is its writes and their commit: an address without an account
    # makes as many writes (then takes them back), so the time does not tell either.
    from lms.accounts.operations import request_password_reset
    from tests.support import count_queries

    user = make_user()

    def writes(email):
        with count_queries() as statements:
            request_password_reset(email)
            db.session.commit()
        return sum(q.split()[0] in {"INSERT", "DELETE", "UPDATE"} for q in statements)

    assert writes("nobody@aula.test") == writes(user.email) == 3


def test_common_and_short_passwords_are_refused_and_the_page_says_the_rule(client, make_user):
    # Sign-up, change and reset refuse a password under 8 characters or on the list of common
    # ones, saying why; the form explains the rule beforehand.
    page = client.get("/sign-up").text
    assert "At least 8 characters" in page and "most common passwords are refused" in page
    for common in ("password1", "iloveyou", "Sunshine"):
        data = {"name": "N", "email": f"{common}@aula.test", "password": common}
        refused = client.post("/sign-up", data=data)
        assert refused.status_code == 422 and "most common" in refused.text, common
    api = client.post(
        "/api/v1/users", json={"email": "a@aula.test", "name": "A", "password": "qwertyuiop"}
    )
    assert (api.status_code, api.json["error"]["code"]) == (422, "common_password")
    own = {"name": "N", "email": "me@aula.test", "password": "me@aula.test"}
    assert client.post("/sign-up", data=own).status_code == 422
    user = make_user()
    sign_in(client, user)
    change = client.post("/profile/password", data={"current": PASSWORD, "new": "baseball1"})
    assert change.status_code == 422 and "most common" in change.text
