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


def test_requests_are_counted_by_sector_and_need_level(client, login, desk, make_user):
    # Two requests from a bakery (food, need level "first"), one from a shop with no level,
    # one from nobody known: the figures count them by sector and by level, on the page and
    # in the CSV, and name no organisation.
    from courses.advice.models import NeedLevel
    from courses.entities import operations as entities

    topic, _ = desk(name="Tienda online")
    bakery = entities.create_entity(name="Forno Barreiro", kind="business", sector="Alimentación")
    shop = entities.create_entity(name="Moda Iria", kind="business", sector="Comercio")
    operations.set_need_level(bakery.id, NeedLevel.first)
    db.session.commit()
    for entity in (bakery, bakery, shop):
        person = make_user()
        entities.add_member(entity.id, db.session.merge(person), "member")
        db.session.commit()
        request_for(person, topic, entity_id=entity.id)
    request_for(make_user(), topic, organisation="Nova")
    found = figures.figures(*_period())
    assert found.by_sector == {"Alimentación": 2, "Comercio": 1, "": 1}
    assert figures.need_lines(found) == [(NeedLevel.first, 2), (None, 2)]
    login(make_user("coordinator"))
    text = client.get("/advice/figures.csv").get_data(as_text=True)
    assert "Alimentación,2" in text and "first,2" in text
    page = client.get("/advice/figures").get_data(as_text=True)
    assert "Requests by sector" in page and "Alimentación" in page
    for name in ("Forno Barreiro", "Moda Iria", "Nova"):
        assert name not in text and name not in page
