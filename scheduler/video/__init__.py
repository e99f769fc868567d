"""Video rooms: each workshop's room, behind Aula's ``/join`` door, through ``lms.video``
providers (``video_jitsi`` by default, ``video_bbb``, ``video_link``)."""

from __future__ import annotations

from flask import Flask

#: Settings of the video rooms; any of them can be set as ``LMS_<NAME>``.
DEFAULTS = {
    #: The provider of every workshop whose trainer chose none.
    "VIDEO_PROVIDER": "video_jitsi",
    #: The door opens this many minutes before the start, and closes at the end.
    "JOIN_OPENS_MINUTES_BEFORE": 15,
    #: A Jitsi Meet server; the public one is fine to try Aula, not for production.
    "JITSI_URL": "https://meet.jit.si",
    #: Token authentication of a self-hosted Jitsi (both or neither; secret >= 32 bytes).
    "JITSI_APP_ID": "",
    "JITSI_APP_SECRET": "",
    "JITSI_TOKEN_AUDIENCE": "jitsi",
    "JITSI_TOKEN_SUBJECT": "*",
    #: A BigBlueButton server (``https://host/bigbluebutton/``) and its shared secret.
    "BBB_URL": "",
    "BBB_SECRET": "",
    "BBB_CHECKSUM": "sha1",
}


def _check(app: Flask) -> None:
    """Fail at start-up, loudly, on a provider that is missing or badly set up."""
    from lms.plugins import PluginError, plugins
    from lms.plugins.video import optional

    with app.app_context():
        installed = plugins("video")
        if app.config["VIDEO_PROVIDER"] not in installed:
            raise PluginError(
                f"VIDEO_PROVIDER is {app.config['VIDEO_PROVIDER']!r}; installed: "
                f"{', '.join(sorted(installed)) or 'none'}"
            )
        for provider in installed.values():
            optional(provider, "check_config")()


def init_app(app: Flask) -> None:
    from lms import ui

    from . import advice, api, models, operations, queries, views  # noqa: F401  (routes)

    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    _check(app)
    operations.connect_signals()
    app.register_blueprint(views.bp)
    app.add_template_global(queries.door, "video_door")
    ui.add_panel(app, "workshop", "scheduler/video/_join_panel.html")
