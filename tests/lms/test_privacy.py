"""The privacy page: what Aula keeps about a person, who sees it, for how long (the retention
periods as configured), how to download it and close the account, and whom to write to; in
every language of the site, linked from every page's footer."""

from __future__ import annotations

import pytest

TITLES = {
    "en": "Your personal data in Aula",
    "es": "Tus datos personales en Aula",
    "ca": "Les teves dades personals a Aula",
    "gl": "Os teus datos persoais en Aula",
}


@pytest.mark.parametrize("locale", sorted(TITLES))
def test_the_privacy_page_is_public_and_in_the_readers_language(client, locale):
    # Anyone, signed in or not, reads /privacy in their language.
    page = client.get("/privacy", headers={"Accept-Language": locale})
    assert page.status_code == 200
    assert TITLES[locale] in page.text
    assert f'<html lang="{locale}"' in page.text


def test_the_page_gives_the_periods_and_the_contact_from_the_config(make_app):
    # The retention periods and the programme's contact are the configured ones, so the
    # notice never says something other than what the prune job does.
    app = make_app(
        RETENTION_SENT_MESSAGE_DAYS=30,
        RETENTION_FAILED_MESSAGE_DAYS=45,
        RETENTION_ENDED_DAYS=1,
        PRIVACY_CONTACT="dpd@diputacion.example",
    )
    text = app.test_client().get("/privacy").text
    assert "deleted 30 days after it was delivered" in text
    assert "deleted 45 days after the last attempt" in text
    assert "Both are deleted 1 day later" in text
    assert 'href="mailto:dpd@diputacion.example"' in text


def test_without_a_contact_the_page_gives_the_sender_address(client):
    # With no PRIVACY_CONTACT set, people write to the address Aula's mail comes from.
    assert 'href="mailto:aula@aula.test"' in client.get("/privacy").text


def test_the_page_says_how_to_download_and_erase_ones_data(client):
    # It links to the data download and to closing the account.
    text = client.get("/privacy").text
    assert 'href="/profile/data"' in text and 'href="/profile/close"' in text


def test_every_page_links_to_the_privacy_page_from_its_footer(client, make_user, login):
    # The footer of every page, for visitors and signed-in people, links to /privacy.
    footer = client.get("/").text.split('class="site-footer"')[1]
    assert 'href="/privacy"' in footer
    login(make_user())
    assert 'href="/privacy"' in client.get("/profile").text.split('class="site-footer"')[1]
