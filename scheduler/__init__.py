"""Time and the outside world: calendars, video rooms, reminders and delivery jobs.

It imports ``courses`` and listens to its signals; ``courses`` never imports it.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from . import feeds, notices, video

    video.init_app(app)
    feeds.init_app(app)
    notices.init_app(app)
