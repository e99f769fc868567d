"""Keep the English, Spanish, Catalan and Galician catalogues in step with the code.

    python tools/i18n.py update [--fill translations.json ...]
    python tools/i18n.py check

``update`` extracts every marked string, updates ``es``, ``ca`` and ``gl`` (creating a
catalogue that does not exist yet), fills in translations from JSON files
(``{"English msgid": {"es": "...", "ca": "...", "gl": "..."}}``; a plural is a list of two)
and compiles the ``.mo`` files. ``check`` exits non-zero when a string lacks a translation,
or when the code marks a string that a catalogue does not hold yet (nobody ran ``update``).
Runs under a lock, so two people updating at once do not overwrite each other.
"""

from __future__ import annotations

import fcntl
import json
import sys
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
DIR = ROOT / "lms" / "translations"
POT = DIR / "messages.pot"
LOCALES = ("es", "ca", "gl")


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def po_path(locale: str) -> Path:
    return DIR / locale / "LC_MESSAGES" / "messages.po"


def fill(files: list[str]) -> None:
    wanted: dict[str, dict] = {}
    for name in files:
        wanted.update(json.loads(Path(name).read_text()))
    for locale in LOCALES:
        with po_path(locale).open("rb") as f:
            catalog = read_po(f, locale=locale)
        for message in catalog:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if key in wanted and locale in wanted[key]:
                value = wanted[key][locale]
                message.string = tuple(value) if isinstance(message.id, tuple) else value
                message.flags.discard("fuzzy")
        with po_path(locale).open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, sort_output=True)


def missing() -> dict[str, list[str]]:
    result = {}
    for locale in LOCALES:
        with po_path(locale).open("rb") as f:
            catalog = read_po(f, locale=locale)
        result[locale] = [
            str(m.id)
            for m in catalog
            if m.id
            and (
                not m.string
                or (isinstance(m.string, tuple) and not all(m.string))
                or "fuzzy" in m.flags
            )
        ]
    return result


def extract(output: Path) -> None:
    """Every marked string of the code and templates, into the template ``output``."""
    pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        "--no-location",
        "--sort-output",
        "--project",
        "Aula",
        "-o",
        str(output),
        str(ROOT),
    )


def unlisted() -> dict[str, list[str]]:
    """For each locale, the strings the code marks today that its catalogue lacks."""
    with tempfile.TemporaryDirectory() as folder:
        pot = Path(folder) / "messages.pot"
        extract(pot)
        with pot.open("rb") as f:
            marked = [m for m in read_po(f) if m.id]
    result = {}
    for locale in LOCALES:
        with po_path(locale).open("rb") as f:
            catalog = read_po(f, locale=locale)
        result[locale] = [str(m.id) for m in marked if catalog.get(m.id, context=m.context) is None]
    return result


def update(files: list[str]) -> None:
    extract(POT)
    for locale in LOCALES:
        if not po_path(locale).exists():
            pybabel("init", "-i", str(POT), "-d", str(DIR), "-l", locale, "-w", "100")
    pybabel(
        "update",
        "-i",
        str(POT),
        "-d",
        str(DIR),
        "--no-fuzzy-matching",
        "--ignore-obsolete",
        "-w",
        "100",
    )
    if files:
        fill(files)
    pybabel("compile", "-d", str(DIR))


def main(argv: list[str]) -> int:
    command, files = (argv[0] if argv else "check"), [a for a in argv[1:] if a != "--fill"]
    with open(DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if command == "update":
            update(files)
    gaps = missing()
    for locale, ids in gaps.items():
        for msgid in ids:
            print(f"{locale}: untranslated: {msgid}")
    absent = unlisted()
    for locale, ids in absent.items():
        for msgid in ids:
            print(f"{locale}: not in the catalogue (run update): {msgid}")
    return 1 if any(gaps.values()) or any(absent.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
