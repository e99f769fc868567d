"""Aula's core: the app factory, and what every feature stands on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Build the app: configuration, then the core, then the features, then the schema."""
    import courses
    import scheduler

    from . import (
        accounts,
        api,
        cli,
        config,
        db,
        errors,
        health,
        i18n,
        logs,
        notifications,
        plugins,
        programmes,
        security,
        setup,
        ui,
    )

    app = Flask(
        __name__,
        instance_path=instance_path or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
    )
    config.load(app, test_config)
    logs.init_app(app)
    db.init_app(app)
    plugins.init_app(app)  # types were declared on import; plugins load before any signal
    i18n.init_app(app)
    ui.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    health.init_app(app)
    accounts.init_app(app)
    programmes.init_app(app)
    notifications.init_app(app)
    courses.init_app(app)
    scheduler.init_app(app)
    api.init_app(app)  # last: every package has added its routes to the API blueprint
    cli.init_app(app)
    setup.init_app(app)
    return app
