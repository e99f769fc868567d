"""``flask --app lms programmes …``: open programmes and name their staff from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.db import db

programmes = AppGroup("programmes", help="Manage programmes and their staff.")


def _fail(error: Exception) -> None:
    db.session.rollback()
    raise click.ClickException(str(getattr(error, "message", error))) from None


@programmes.command("create")
@click.option("--name", required=True)
@click.option("--slug", default="")
@click.option("--locale", default="")
@click.option("--timezone", default="")
def create(name: str, slug: str, locale: str, timezone: str) -> None:
    """Open a programme."""
    from lms.errors import DomainError

    from .operations import create_programme

    try:
        programme = create_programme(name, slug=slug, locale=locale, timezone=timezone)
    except DomainError as e:
        _fail(e)
    db.session.commit()
    click.echo(f"Created programme {programme.slug} (id {programme.id}).")


@programmes.command("list")
def list_programmes() -> None:
    """List the programmes."""
    from .queries import all_programmes

    for p in all_programmes():
        click.echo(f"{p.id}  {p.slug}  {p.name}  ({p.locale}, {p.timezone})")


@programmes.command("staff")
@click.option("--programme", "slug", required=True, help="The programme's slug.")
@click.option("--email", required=True)
@click.option(
    "--role", type=click.Choice(["coordinator", "trainer", "advisor", "learner"]), required=True
)
@click.option("--remove", is_flag=True, help="Take the role away instead.")
def staff(slug: str, email: str, role: str, remove: bool) -> None:
    """Give a person a role in a programme (or take it away)."""
    from lms.accounts.queries import user_by_email

    from .operations import add_member, remove_member
    from .queries import by_slug

    programme, user = by_slug(slug), user_by_email(email.strip().lower())
    if programme is None or user is None:
        raise click.ClickException("No such programme or person.")
    if remove:
        remove_member(programme.id, user.id, role)
    else:
        add_member(programme.id, user, role)
    db.session.commit()
    click.echo(f"{user.email}: {'no longer ' if remove else ''}{role} of {programme.slug}.")


@programmes.command("holidays")
@click.option("--programme", "slug", required=True, help="The programme's slug.")
@click.argument("days", nargs=-1)
def holidays(slug: str, days: tuple[str, ...]) -> None:
    """Name the days a programme does not meet (MM-DD every year, YYYY-MM-DD once); none
    given: the site's HOLIDAYS again. Its cohorts' meetings on those days are pointed out."""
    from lms.errors import DomainError

    from .operations import set_holidays
    from .queries import by_slug

    programme = by_slug(slug)
    if programme is None:
        raise click.ClickException(f"There is no programme {slug}.")
    try:
        set_holidays(programme.id, " ".join(days))
    except DomainError as e:
        _fail(e)
    db.session.commit()
    click.echo(f"{programme.slug}: {programme.holidays or 'the site holidays'}")
