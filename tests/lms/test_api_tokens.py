"""API tokens expire, and their owner lists and revokes them (API and profile page)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import ApiToken
from lms.db import db, utcnow
from tests.factories import PASSWORD


def _token(client, user) -> tuple[dict, dict]:
    answer = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 201
    return answer.json, {"Authorization": f"Bearer {answer.json['token']}"}


def test_a_token_expires(client, make_user):
    # A token opens the API for API_TOKEN_DAYS (90) days, and nothing after.
    user = make_user()
    body, headers = _token(client, user)
    lifetime = datetime.fromisoformat(body["expires_at"]) - utcnow()
    assert timedelta(days=89) < lifetime <= timedelta(days=90)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.session.rollback()  # the test's own read ends; the requests have written since
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_owner_lists_and_revokes_tokens_in_the_api(client, make_user):
    # GET /api/v1/tokens lists the caller's tokens (never the token itself), DELETE by id
    # revokes one at once, DELETE /tokens/current the one in use; another's is a 404.
    user, other = make_user(), make_user()
    first, first_headers = _token(client, user)
    second, headers = _token(client, user)
    theirs, _ = _token(client, other)
    listed = client.get("/api/v1/tokens", headers=headers)
    assert listed.headers["Cache-Control"] == "no-store"
    assert [(t["id"], t["current"]) for t in listed.json] == [
        (first["id"], False),
        (second["id"], True),
    ]
    assert "token" not in listed.json[0]
    assert client.delete(f"/api/v1/tokens/{theirs['id']}", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/tokens/{10**20}", headers=headers).status_code == 404
    assert client.delete(f"/api/v1/tokens/{first['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=first_headers).status_code == 401
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_token_list_pages_with_a_link(client, make_user):
    # ``limit`` caps the list and a Link header names the next page.
    user = make_user()
    ids = [_token(client, user)[0]["id"] for _ in range(3)]
    headers = _token(client, user)[1]
    page = client.get("/api/v1/tokens?limit=2", headers=headers)
    assert [t["id"] for t in page.json] == ids[:2]
    next_url = page.headers["Link"].split(">")[0].lstrip("<")
    rest = client.get(next_url, headers=headers)
    assert [t["id"] for t in rest.json][:1] == ids[2:]
    assert client.get("/api/v1/tokens?limit=0", headers=headers).status_code == 422


def test_the_profile_page_makes_shows_once_and_revokes_tokens(client, make_user, login):
    # Under the profile: a new token is shown once, listed with its end, and revoked.
    user = login(make_user())
    made = client.post("/profile/tokens")
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    token = made.text.split("<code>")[1].split("</code>")[0]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json["id"] == user.id
    page = client.get("/profile/tokens").text
    assert token not in page and "Revoke" in page
    db.session.rollback()
    token_id = db.session.scalar(sa.select(ApiToken.id))
    assert client.post(f"/profile/tokens/{token_id}/revoke").status_code == 303
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert "no API tokens" in client.get("/profile/tokens").text
