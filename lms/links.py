"""The site's public address, for what leaves it: e-mails, invitations, feeds, API links."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def absolute(path: str) -> str:
    """``path`` under the public BASE_URL (not the request's host, which a proxy may change)."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}{path}"


def site_host() -> str:
    """The public host name, for UIDs and Message-IDs."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
