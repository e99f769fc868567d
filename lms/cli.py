"""The command line of the contract: users, demo, plugins, prune (workers are added by their
package)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lms.db import db

users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option(
    "--role",
    type=click.Choice(["learner", "trainer", "coordinator", "admin"]),
    default="learner",
    help="admin: a site administrator (every programme).",
)
@click.option("--locale", default="")
@click.option("--timezone", default=None)
@click.option(
    "--programme",
    "slug",
    default="",
    help="The programme (slug) a trainer or coordinator works in; default: the first one.",
)
def create_user(
    email: str, name: str, password: str, role: str, locale: str, timezone: str | None, slug: str
):
    """Create an account."""
    from lms.accounts.models import Role
    from lms.accounts.operations import create_user as create
    from lms.errors import DomainError
    from lms.programmes import operations as programmes
    from lms.programmes.queries import by_slug

    try:
        admin = role == "admin"
        user = create(
            email,
            name,
            password,
            Role.coordinator if admin else Role.parse(role, "role"),
            locale=locale,
            timezone=timezone,
        )
        if admin:
            programmes.set_admin(user)
        elif role != "learner":
            programme = by_slug(slug) if slug else programmes.default_programme()
            if programme is None:
                raise click.ClickException(f"There is no programme {slug!r}.")
            programmes.add_member(programme.id, user, role)
    except DomainError as e:
        db.session.rollback()
        raise click.ClickException(str(e.message)) from None
    db.session.commit()
    click.echo(f"Created {role} {user.email} (id {user.id}).")


@users.command("admin")
@click.option("--email", required=True)
@click.option("--off", is_flag=True, help="Stop the person being a site administrator.")
def make_admin(email: str, off: bool):
    """Make a person a site administrator, who sees and manages every programme."""
    from lms.accounts.queries import user_by_email
    from lms.programmes.operations import set_admin

    user = user_by_email(email.strip().lower())
    if user is None:
        raise click.ClickException("There is no account with that e-mail.")
    set_admin(user, not off)
    db.session.commit()
    click.echo(f"{user.email} is {'no longer ' if off else ''}a site administrator.")


@click.command("demo")
def demo():
    """Load the demo programme (safe to run again)."""
    from lms.setup import load_demo

    load_demo(current_app._get_current_object())
    click.echo("Demo programme loaded.")


@click.command("prune")
def prune():
    """Delete what is past its time (the periods LMS_RETENTION_*; the worker runs it daily)."""
    from lms.retention import prune as run

    gone = run()
    click.echo(
        "Pruned " + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in gone.items()) + "."
    )


@click.command("plugins")
def list_plugins():
    """List the installed plugins by type."""
    from lms.plugins import plugin_types

    loaded = current_app.extensions["lms.plugins"]
    for name, plugin_type in sorted(plugin_types().items()):
        click.echo(f"{plugin_type.group}  ({plugin_type.description})")
        for plugin_name, plugin in sorted(loaded.get(name, {}).items()):
            click.echo(f"  {plugin_name} {plugin.version}")


def init_app(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(list_plugins)
    app.cli.add_command(prune)
    # Retention belongs with the command line that runs it: the periods are checked at start
    # and the delivery worker prunes once a day.
    from lms import retention

    retention.init_app(app)
