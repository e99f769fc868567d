from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.db import db
from lms.errors import DomainError
from lms.security import roles_required

from . import operations, permissions, queries
from .models import OutboxStatus

bp = Blueprint("notifications", __name__)


@bp.get("/deliveries")
@roles_required("coordinator")
def deliveries():
    permissions.deliveries_keeper()
    status = OutboxStatus.__members__.get(request.args.get("status", ""))
    return render_template(
        "lms/notifications/deliveries.html",
        messages=queries.deliveries(status),
        counts=queries.counts(),
        status=status,
        statuses=list(OutboxStatus),
    )


@bp.post("/deliveries/<int:message_id>/retry")
@roles_required("coordinator")
def retry(message_id: int):
    permissions.deliveries_keeper()
    try:
        operations.retry(message_id)
    except DomainError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(url_for(".deliveries", status="failed"), 303)
    db.session.commit()
    flash(_("The message will be sent again shortly."), "success")
    return redirect(url_for(".deliveries", status="failed"), 303)
