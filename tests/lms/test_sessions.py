"""Sessions live on the server: renewed at sign-in, ended at sign-out and on demand, and a
remember-me cookie that lasts 30 days and dies with its session."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from lms.accounts.models import UserSession
from lms.db import db, utcnow
from tests.factories import PASSWORD


def _signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def _replay(app, **cookies):
    """A fresh browser holding copies of ``cookies``."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def _sign_in(client, user, remember=False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/sign-in", data=data).status_code == 302


def test_signing_out_ends_the_session_on_the_server(app, client, make_user):
    # After sign-out, a copy of the old session cookie opens nothing.
    _sign_in(client, make_user())
    old = client.get_cookie("session").value
    assert _signed_in(_replay(app, session=old))
    client.post("/sign-out")
    assert not _signed_in(_replay(app, session=old))


def test_remember_me_lasts_30_days_and_dies_with_its_session(app, client, make_user):
    # The remember-me cookie signs a browser back in for at most 30 days; once its session
    # is signed out, the same cookie opens nothing.
    _sign_in(client, make_user(), remember=True)
    remember = client.get_cookie("remember_token")
    assert remember.expires - utcnow() <= timedelta(days=30, minutes=1)
    assert _signed_in(_replay(app, remember_token=remember.value))
    client.post("/sign-out")
    assert not _signed_in(_replay(app, remember_token=remember.value))


def test_without_remember_me_there_is_no_remember_cookie(client, make_user):
    # "Keep me signed in" is a choice; without it no long-lived cookie is set.
    _sign_in(client, make_user())
    assert client.get_cookie("remember_token") is None


def test_sign_in_starts_a_new_session(app, client, make_user):
    # Nothing a browser carried before signing in survives it (a planted value, the old CSRF
    # token), except the language it chose.
    client.post("/language", data={"locale": "ca"})
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
        before["csrf_token"] = "old-token"
    _sign_in(client, make_user())
    with client.session_transaction() as after:
        assert "planted" not in after and after.get("csrf_token") != "old-token"
        assert after["locale"] == "ca"


def test_an_expired_session_opens_nothing(app, client, make_user):
    # A session past its end on the server is over, whatever the cookie says.
    _sign_in(client, make_user(), remember=True)
    db.session.rollback()  # the test's own read ends; the request has written since
    db.session.execute(sa.update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert not _signed_in(client)


def test_sign_out_on_every_other_device(app, client, make_user):
    # "Sign out on every other device" ends the others, remember-me included, not this one.
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    _sign_in(laptop, user)
    _sign_in(phone, user, remember=True)
    phone_remember = phone.get_cookie("remember_token").value
    page = laptop.get("/profile").get_data(as_text=True)
    assert "signed in on 2 browsers" in page
    assert laptop.post("/profile/sessions/end-others").status_code == 303
    assert _signed_in(laptop)
    assert not _signed_in(phone)
    assert not _signed_in(_replay(app, remember_token=phone_remember))
