"""Addresses that leave the site (e-mails, invitations, feeds): always absolute, never a room."""

from __future__ import annotations

from lms.links import absolute


def workshop_page(workshop) -> str:
    return absolute(f"/workshops/{workshop.id}")


def join_url(workshop) -> str:
    """Aula's own door to the video room: it checks who knocks, then redirects. The room's
    real address never leaves the site."""
    return absolute(f"/workshops/{workshop.id}/join")
