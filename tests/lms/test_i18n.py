import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_browser_language_is_followed(client):
    # With no choice made, the page speaks the browser's language.
    assert "Próximos talleres" in client.get(
        "/", headers={"Accept-Language": "es-ES,es;q=0.9"}
    ).get_data(as_text=True)
    assert "Propers tallers" in client.get("/", headers={"Accept-Language": "ca"}).get_data(
        as_text=True
    )
    assert "Upcoming workshops" in client.get("/", headers={"Accept-Language": "de"}).get_data(
        as_text=True
    )


def test_galician_pages_and_error_messages(client, make_user, login):
    # Galician is spoken like Spanish and Catalan: the browser's gl, a signed-in person's gl,
    # and the error pages and messages.
    page = client.get("/", headers={"Accept-Language": "gl-ES,gl;q=0.9"}).get_data(as_text=True)
    assert "Próximos obradoiros" in page and "Galego" in page
    missing = client.get("/nothing-here", headers={"Accept-Language": "gl"})
    assert missing.status_code == 404
    assert "Non hai nada neste enderezo." in missing.get_data(as_text=True)
    refused = client.post("/sign-in", json={"email": 5}, headers={"Accept-Language": "gl"})
    assert refused.status_code == 415
    assert "Esta páxina recibe un formulario, non JSON" in refused.get_data(as_text=True)
    login(make_user(locale="gl"))
    assert "Próximos obradoiros" in client.get("/", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_switcher_and_profile_choice_win(client, make_user, login):
    # The switcher's choice beats the browser; a signed-in person's choice is kept on the profile.
    client.post("/language", data={"locale": "ca"})
    assert "Propers tallers" in client.get("/", headers={"Accept-Language": "es"}).get_data(
        as_text=True
    )
    user = login(make_user(locale="es"))
    assert "Próximos talleres" in client.get("/", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    client.post("/language", data={"locale": "en"})
    from tests.support import fresh

    user = fresh(user)
    assert user.locale == "en"


def test_every_string_is_translated_and_compiled():
    # The Spanish, Catalan and Galician catalogues cover every marked string; the .mo files
    # are current.
    result = subprocess.run(
        [sys.executable, "tools/i18n.py", "check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    for locale in ("es", "ca", "gl"):
        folder = ROOT / "lms" / "translations" / locale / "LC_MESSAGES"
        with (folder / "messages.po").open("rb") as po, (folder / "messages.mo").open("rb") as mo:
            source = {_key(m.id): _key(m.string) for m in read_po(po) if m.id}
            compiled = {_key(m.id): _key(m.string) for m in read_mo(mo) if m.id}
        assert compiled == source, "run: python tools/i18n.py update"


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def test_the_check_finds_a_marked_string_missing_from_the_catalogues(tmp_path):
    # A string newly marked in the code, that nobody added to the catalogues, fails the check.
    import shutil

    shutil.copytree(ROOT / "lms" / "translations", tmp_path / "lms" / "translations")
    shutil.copy(ROOT / "babel.cfg", tmp_path / "babel.cfg")
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "i18n.py", tmp_path / "tools" / "i18n.py")
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "new.html"
    page.write_text('<p>{{ _("Upcoming workshops") }}</p>\n')
    check = [sys.executable, "tools/i18n.py", "check"]
    known = subprocess.run(check, cwd=tmp_path, capture_output=True, text=True)
    assert (known.returncode, known.stdout) == (0, ""), known.stdout + known.stderr
    page.write_text('<p>{{ _("A sentence nobody translated yet") }}</p>\n')
    result = subprocess.run(check, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{locale}: not in the catalogue (run update): A sentence nobody translated yet"
        for locale in ("es", "ca", "gl")
    ]
