"""E-mail confirmation for self sign-up: the account is usable at once for browsing, its
profile and feeds, but enrolment (which mails the address) waits until the link mailed at
sign-up has been opened."""

from __future__ import annotations

import sqlalchemy as sa

from lms.accounts.models import User
from lms.db import db
from tests.accounts_fixtures import link_path, mailed
from tests.support import fresh


def _sign_up(client, email="rosa@aula.test"):
    data = {"name": "Rosa", "email": email, "password": "a good long phrase"}
    assert client.post("/sign-up", data=data).status_code == 302
    db.session.rollback()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_sign_up_mails_a_link_and_enrolment_waits_for_it(client, make_workshop):
    # A new account is signed in and may browse, but may not enrol until the address is
    # confirmed through the link mailed to it; then it may, on the web and in the API.
    workshop = make_workshop()
    user = _sign_up(client)
    assert not user.is_confirmed
    (message,) = mailed("account.confirm")
    assert message.recipient_address == "rosa@aula.test"
    assert client.get("/profile").status_code == 200
    assert "not confirmed yet" in client.get("/profile").text
    refused = client.post(f"/workshops/{workshop.id}/enrol", follow_redirects=True)
    assert "confirm your e-mail address first" in refused.text
    token = client.post(
        "/api/v1/tokens", json={"email": user.email, "password": "a good long phrase"}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    api = client.post(f"/api/v1/workshops/{workshop.id}/enrolment", headers=headers)
    assert (api.status_code, api.json["error"]["code"]) == (403, "email_unconfirmed")
    assert workshop_seats_taken(workshop) == 0

    assert client.get(link_path(message)).status_code == 303
    assert fresh(user).is_confirmed
    assert (
        client.post(f"/api/v1/workshops/{workshop.id}/enrolment", headers=headers).status_code
        == 201
    )
    assert client.get(link_path(message)).status_code == 410  # once only


def workshop_seats_taken(workshop) -> int:
    from courses.workshops.models import Enrolment

    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count(Enrolment.id)).where(Enrolment.workshop_id == workshop.id)
    )


def test_the_api_sign_up_mails_the_link_too(client):
    # POST /api/v1/users makes an unconfirmed account and mails it the link.
    body = {"email": "api@aula.test", "name": "A", "password": "a good long phrase"}
    assert client.post("/api/v1/users", json=body).status_code == 201
    assert [m.recipient_address for m in mailed("account.confirm")] == ["api@aula.test"]
    assert not db.session.scalar(sa.select(User).where(User.email == "api@aula.test")).is_confirmed


def test_the_link_can_be_sent_again_and_only_the_newest_works(client):
    # "Send the link again" on the profile mails a new link; the first stops working.
    _sign_up(client)
    assert client.post("/confirm/resend").status_code == 303
    first, second = (link_path(m) for m in mailed("account.confirm"))
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 303


def test_a_password_reset_confirms_the_address(client):
    # A reset link reaching the inbox shows the address is the person's too.
    user = _sign_up(client)
    client.post("/sign-out")
    client.post("/password/forgot", data={"email": user.email})
    path = link_path(mailed("account.reset")[0])
    assert client.post(path, data={"new": "another long phrase"}).status_code == 303
    assert fresh(user).is_confirmed


def test_accounts_made_by_the_cli_or_a_coordinator_start_confirmed(make_user):
    # Only self sign-up waits for the link.
    assert make_user().is_confirmed
