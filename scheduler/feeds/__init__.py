"""Calendar feeds: a personal feed per person, the public catalogue, one workshop's file."""

from flask import Flask

from lms import ui

#: Feeds keep workshops that started up to this many days ago; older ones leave the feed.
DEFAULT_PAST_DAYS = 90


def init_app(app: Flask) -> None:
    from lms.accounts.personal import add_section
    from lms.signals import account_closing

    from . import api, models, operations, queries, views  # noqa: F401  (api adds its routes to lms.api.bp)

    app.config.setdefault("FEEDS_PAST_DAYS", DEFAULT_PAST_DAYS)
    app.register_blueprint(views.bp)
    add_section(app, "calendar", queries.personal_data)
    account_closing.connect(operations.on_account_closing)
    ui.add_panel(app, "profile", "scheduler/feeds/_profile_panel.html")
    ui.add_panel(app, "workshop", "scheduler/feeds/_workshop_panel.html")
