"""Figures of the advice desk for policy: requests and consultations per week by topic, time
to a first consultation, referrals between topics; on a page and as CSV, with no personal
data in them."""

from __future__ import annotations

from datetime import timedelta

from courses.advice import figures, operations
from lms.db import db, utcnow
from tests.advice_fixtures import free, request_for

pytest_plugins = ["tests.advice_fixtures"]  # desk


def _period():
    now = utcnow()
    return now - timedelta(days=7), now + timedelta(days=21)


def test_the_figures_count_requests_consultations_and_referrals(desk, make_user):
    # Three requests on one topic (two booked), one referral to another: the counts say so.
    shop, (advisor,) = desk(name="Tienda online")
    law, _ = desk(name="Legal")
    cases = [request_for(make_user(), shop) for _ in range(3)]
    slots = free(advisor.id)
    operations.book(cases[0].id, slots[0].starts_at)
    operations.book(cases[1].id, slots[1].starts_at)
    operations.refer(cases[0].id, law.id)
    db.session.commit()
    found = figures.figures(*_period())
    assert sum(n for (_, t), n in found.requests.items() if t == shop.id) == 3
    assert sum(n for (_, t), n in found.requests.items() if t == law.id) == 1
    assert sum(found.consultations.values()) == 2
    assert found.referrals == {(shop.id, law.id): 1}
    assert len(found.hours_to_first) == 2 and all(h > 0 for h in found.hours_to_first)


def test_the_csv_carries_no_personal_data(client, login, desk, make_user):
    # Names, e-mails and what people wrote never reach the figures' CSV.
    topic, (advisor,) = desk(name="Tienda online")
    person = make_user(name="Iria Méndez", email="iria@aula.test")
    case = request_for(person, topic, need="Mi tienda secreta", organisation="Méndez Moda")
    operations.book(case.id, free(advisor.id)[0].starts_at)
    db.session.commit()
    login(make_user("coordinator"))
    response = client.get("/advice/figures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == "week,topic,requests,consultations"
    assert "Tienda online" in text
    for personal in ("Iria", "iria@aula.test", "secreta", "Méndez", advisor.name):
        assert personal not in text
    page = client.get("/advice/figures").get_data(as_text=True)
    assert "Iria" not in page and "Tienda online" in page
    assert 'id="advice-figures"' in client.get("/reports").get_data(as_text=True)
