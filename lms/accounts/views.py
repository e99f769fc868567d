from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lms.db import begin_write, db
from lms.enums import offer
from lms.errors import DomainError
from lms.i18n import visitor_locale
from lms.security import limiter, roles_required

from . import operations
from .forms import ProfileForm, SignInForm, SignUpForm

bp = Blueprint("accounts", __name__)


def _safe_next(default: str) -> str:
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_up():
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = operations.create_user(
                form.email.data,
                form.name.data,
                form.password.data,
                locale=visitor_locale(),
            )
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            return render_template("accounts/sign_up.html", form=form), e.status
        db.session.commit()
        login_user(user)
        flash(_("Welcome, %(name)s.", name=user.name), "success")
        return redirect(_safe_next(url_for("workshops.catalogue")))
    status = 422 if form.errors else 200
    return render_template("accounts/sign_up.html", form=form), status


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user:
            login_user(user, remember=True)
            return redirect(_safe_next(url_for("workshops.catalogue")))
        flash(_("That e-mail and password do not match."), "error")
        return render_template("accounts/sign_in.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("accounts/sign_in.html", form=form), status


@bp.post("/sign-out")
@roles_required()
def sign_out():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("workshops.catalogue"))


@bp.route("/profile", methods=["GET", "POST"])
@roles_required()
def profile():
    form = ProfileForm(obj=current_user)
    offer(form.timezone, current_user.timezone)
    if form.validate_on_submit():
        try:
            operations.update_profile(
                current_user,
                name=form.name.data,
                locale=form.locale.data,
                timezone=form.timezone.data,
            )
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            return render_template("accounts/profile.html", form=form), e.status
        db.session.commit()
        session.pop("locale", None)
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    status = 422 if form.errors else 200
    return render_template("accounts/profile.html", form=form), status


@bp.post("/language")
def set_language():
    """The language switcher: remembered in the session, and on the profile when signed in."""

    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        return redirect(url_for("workshops.catalogue"))
    session["locale"] = locale
    if current_user.is_authenticated:
        begin_write()
        current_user.locale = locale
        db.session.commit()
    return redirect(_safe_next(url_for("workshops.catalogue")))
