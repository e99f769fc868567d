import sqlalchemy as sa

from lms.accounts.models import ApiToken, User
from lms.db import db
from tests.support import fresh


def test_sign_up_signs_in_and_hashes_the_password(client, app):
    # A new learner signs up on the web and is signed in; the password is never stored.
    response = client.post(
        "/sign-up", data={"name": "Ana", "email": "Ana@Example.org", "password": "longenough"}
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "ana@example.org"))
    assert user.role.value == "learner"
    assert "longenough" not in user.password_hash
    assert "Ana" in client.get("/me/workshops").get_data(as_text=True)


def test_a_new_account_speaks_the_visitors_language(client):
    # Someone who signs up from a Spanish browser, or after choosing Catalan with the switcher,
    # gets an account in that language (so their mail and calendars are); the API alike.
    def sign_up(email, **kwargs):
        data = {"name": "N", "email": email, "password": "longenough"}
        assert client.post("/sign-up", data=data, **kwargs).status_code == 302
        client.post("/sign-out")
        db.session.rollback()  # read what the requests committed
        return db.session.scalar(sa.select(User.locale).where(User.email == email))

    assert sign_up("es@x.org", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}) == "es"
    assert sign_up("none@x.org", headers={"Accept-Language": "ja"}) == ""
    client.post("/language", data={"locale": "ca"})
    assert sign_up("ca@x.org", headers={"Accept-Language": "es"}) == "ca"
    body = {"email": "api@x.org", "name": "A", "password": "longenough"}
    created = client.post("/api/v1/users", json=body, headers={"Accept-Language": "es"})
    db.session.rollback()
    assert db.session.get(User, created.json["id"]).locale == "ca"  # the switcher's, first


def test_sign_up_refuses_a_taken_email_and_short_password(client, make_user):
    # A taken address or a short password is refused with a clear message, nothing written.
    user = make_user()
    taken = client.post(
        "/sign-up", data={"name": "X", "email": user.email, "password": "longenough"}
    )
    assert taken.status_code == 409
    assert "already exists" in taken.get_data(as_text=True)
    short = client.post("/sign-up", data={"name": "X", "email": "new@x.org", "password": "short"})
    assert short.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_sign_in_and_out(client, make_user, login):
    # Right password signs in; a wrong one is a 401 page; signing out ends the session.
    user = make_user()
    wrong = client.post("/sign-in", data={"email": user.email, "password": "nope-nope"})
    assert wrong.status_code == 401
    login(user)
    assert client.get("/profile").status_code == 200
    client.post("/sign-out")
    assert client.get("/profile").status_code == 302


def test_sign_in_redirects_only_to_local_pages(client, make_user):
    # "next" can send a person back to a page of ours, never to another site.
    user = make_user()
    data = {"email": user.email, "password": "correct horse battery"}
    evil = client.post("/sign-in?next=//evil.example/x", data=data)
    assert evil.headers["Location"] == "/"
    client.post("/sign-out")
    ok = client.post("/sign-in?next=/me/workshops", data=data)
    assert ok.headers["Location"] == "/me/workshops"


def test_profile_saves_language_and_zone(client, make_user, login):
    # The profile keeps name, language and time zone; an unknown zone is refused.
    user = login(make_user())
    ok = client.post(
        "/profile", data={"name": "Nova", "locale": "ca", "timezone": "America/Bogota"}
    )
    assert ok.status_code == 302
    user = fresh(user)
    assert (user.name, user.locale, user.timezone) == ("Nova", "ca", "America/Bogota")
    bad = client.post("/profile", data={"name": "Nova", "locale": "ca", "timezone": "Mars/Base"})
    assert bad.status_code == 422


def test_protected_pages_send_visitors_to_sign_in(client):
    # Pages for signed-in people redirect a visitor to the sign-in form.
    for path in ("/profile", "/me/workshops"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]


def test_forms_need_a_csrf_token(make_app, make_user):
    # With CSRF protection on (as in production), a form posted without its token is refused.
    user = make_user()
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post(
        "/sign-in", data={"email": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert (
        client.post(
            "/sign-up", data={"name": "a", "email": "a@b.org", "password": "longenough"}
        ).status_code
        == 400
    )


def test_api_sign_up_token_and_me(client):
    # The API signs a learner up, issues a token stored only as its hash, and knows its owner.
    created = client.post(
        "/api/v1/users",
        json={
            "email": "l@x.org",
            "name": "L",
            "password": "longenough",
            "timezone": "America/Bogota",
        },
    )
    assert created.status_code == 201
    assert set(created.json) == {"id", "email", "name"}
    again = client.post(
        "/api/v1/users", json={"email": "l@x.org", "name": "L", "password": "longenough"}
    )
    assert again.status_code == 409
    assert again.json["error"]["code"] == "email_taken"
    bad = client.post("/api/v1/tokens", json={"email": "l@x.org", "password": "wrong-one"})
    assert bad.status_code == 401
    token = client.post("/api/v1/tokens", json={"email": "l@x.org", "password": "longenough"}).json[
        "token"
    ]
    assert db.session.scalar(sa.select(ApiToken.token_hash)) != token
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json == {
        "id": created.json["id"],
        "email": "l@x.org",
        "name": "L",
        "role": "learner",
        "locale": "",
        "timezone": "America/Bogota",
    }
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_api_ignores_the_session_cookie(client, make_user, login):
    # The API takes bearer tokens only, so a signed-in browser cannot be driven by another site.
    login(make_user())
    assert client.get("/api/v1/me").status_code == 401


def test_token_endpoint_is_rate_limited(make_app, make_user):
    # After SIGN_IN_RATE_LIMIT attempts, the token endpoint answers 429 with a JSON error.
    app = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [
        client.post("/api/v1/tokens", json={"email": "a@b.org", "password": "x"}).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    limited = client.post("/api/v1/tokens", json={"email": "a@b.org", "password": "x"})
    assert limited.json["error"]["code"] == "rate_limited"
    web = [
        client.post("/sign-in", data={"email": "a@b.org", "password": "x"}).status_code
        for _ in range(4)
    ]
    assert web[-1] == 429


def test_sign_in_with_an_unknown_email_checks_a_password_hash_too(client, make_user, monkeypatch):
    # Signing in with an address that has no account does the same hash check as with one,
    # so the time of the answer does not tell whether the account exists.
    from lms.accounts import operations

    checked = []
    real = operations.check_password_hash
    monkeypatch.setattr(
        operations, "check_password_hash", lambda h, p: checked.append(h) or real(h, p)
    )
    user = make_user()
    known = client.post("/sign-in", data={"email": user.email, "password": "nope"})
    assert known.status_code == 401
    unknown = client.post("/sign-in", data={"email": "nobody@x.org", "password": "nope"})
    assert unknown.status_code == 401
    assert len(checked) == 2
    assert checked[1].startswith("pbkdf2:sha256:1000")  # the configured method, not a cheap one


def test_sign_up_is_rate_limited(make_app):
    # Each sign-up costs a password hash: it is limited like sign-in, on the web and the API.
    client = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="2 per minute").test_client()
    codes = [
        client.post(
            "/api/v1/users",
            json={"email": f"x{i}@aula.test", "name": "X", "password": "longenough"},
        ).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
    web = [
        client.post(
            "/sign-up", data={"name": "Y", "email": f"y{i}@aula.test", "password": "longenough"}
        ).status_code
        for i in range(3)
    ]
    assert web[-1] == 429
