from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from lms.db import begin_write, db
from lms.enums import offer
from lms.errors import DomainError, carry_out
from lms.i18n import visitor_locale
from lms.security import account_limit, limiter, roles_required, safe_next

from . import operations, personal, queries
from .forms import (
    CloseAccountForm,
    PasswordChangeForm,
    PasswordForgotForm,
    PasswordResetForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
)
from .models import TokenPurpose

bp = Blueprint("accounts", __name__)

RESET_SENT = _l(
    "If an account has that address, we have sent it a link to choose a new password. "
    "The link works once, within an hour."
)
CONFIRM_SENT = _l(
    "We have sent you a link to confirm your e-mail address. Open it to enrol in workshops."
)
RESET_GONE = _l("This link has expired or has already been used. Please ask for a new one.")


def _safe_next(default: str) -> str:
    return safe_next(request.args.get("next"), default)


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _renew_session() -> None:
    """Nothing from before sign-in or sign-out carries over (its CSRF token included), so a
    cookie someone planted or copied earlier opens nothing; the chosen language stays."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def _sign_in(user, *, remember: bool) -> None:
    """A new session on the server for ``user``, then its cookies."""
    _renew_session()
    operations.start_session(user, remember=remember)
    db.session.commit()
    login_user(user, remember=remember, duration=current_app.config["REMEMBER_COOKIE_DURATION"])


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_up():
    """Sign up as a learner; from a programme's page (``?programme=<slug>``) the person joins
    that programme and takes its language (unless they chose one) and time zone."""
    from lms.programmes.operations import join
    from lms.programmes.queries import by_slug

    form = SignUpForm()
    programme = (
        by_slug(request.args.get("programme", "")) if request.args.get("programme") else None
    )
    if form.validate_on_submit():
        chosen = session.get("locale") in current_app.config["LANGUAGES"]
        try:
            user = operations.create_user(
                form.email.data,
                form.name.data,
                form.password.data,
                locale=visitor_locale() if chosen or programme is None else programme.locale,
                timezone=programme.timezone if programme else None,
                confirmed=False,
            )
            if programme is not None:
                join(programme.id, user)
            operations.send_confirmation(user)
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            return render_template("accounts/sign_up.html", form=form), e.status
        db.session.commit()
        _sign_in(user, remember=False)
        flash(_("Welcome, %(name)s.", name=user.name), "success")
        flash(CONFIRM_SENT, "info")
        home = (
            url_for("workshops.programme", slug=programme.slug)
            if programme
            else url_for("workshops.catalogue")
        )
        return redirect(_safe_next(home))
    status = 422 if form.errors else 200
    return render_template("accounts/sign_up.html", form=form), status


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
@account_limit("sign-in")
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user:
            _sign_in(user, remember=form.remember.data)
            return redirect(_safe_next(url_for("workshops.catalogue")))
        flash(_("That e-mail and password do not match."), "error")
        return render_template("accounts/sign_in.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("accounts/sign_in.html", form=form), status


@bp.post("/sign-out")
@roles_required()
def sign_out():
    operations.end_session(current_user._get_current_object())
    db.session.commit()
    logout_user()
    _renew_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("workshops.catalogue"))


def _profile(form) -> dict:
    return {"form": form, "sessions": queries.live_sessions(current_user)}


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
            return render_template("accounts/profile.html", **_profile(form)), e.status
        db.session.commit()
        session.pop("locale", None)
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    status = 422 if form.errors else 200
    return render_template("accounts/profile.html", **_profile(form)), status


@bp.post("/profile/sessions/end-others")
@roles_required()
def end_other_sessions():
    """Sign out on every other browser, remember-me cookies included."""
    return carry_out(
        lambda: operations.end_other_sessions(current_user._get_current_object()),
        url_for("accounts.profile"),
        _("You are now signed out on every other device."),
    )


@bp.route("/profile/password", methods=["GET", "POST"])
@roles_required()
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            operations.change_password(
                current_user._get_current_object(), form.current.data, form.new.data
            )
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            return render_template("accounts/password_change.html", form=form), e.status
        db.session.commit()
        flash(
            _(
                "Your password has been changed: other devices are signed out and your API "
                "tokens revoked."
            ),
            "success",
        )
        return redirect(url_for("accounts.profile"), 303)
    status = 422 if form.errors else 200
    return render_template("accounts/password_change.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
@account_limit("password-reset", only_failures=False)
def forgot_password():
    """Ask for a reset link: the same answer whether the account exists or not."""
    form = PasswordForgotForm()
    if form.validate_on_submit():
        try:
            operations.request_password_reset(form.email.data)
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            return render_template("accounts/password_forgot.html", form=form), e.status
        db.session.commit()
        flash(RESET_SENT, "info")
        return redirect(url_for("accounts.sign_in"), 303)
    status = 422 if form.errors else 200
    return render_template("accounts/password_forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def reset_password(token: str):
    if operations.live_token(token, TokenPurpose.reset) is None:
        raise DomainError(RESET_GONE, code="invalid_link", status=410)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            operations.reset_password(token, form.new.data)
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            return render_template("accounts/password_reset.html", form=form), e.status
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        _renew_session()
        flash(_("Your password has been changed. Please sign in with it."), "success")
        return redirect(url_for("accounts.sign_in"), 303)
    status = 422 if form.errors else 200
    return render_template("accounts/password_reset.html", form=form), status


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    """The link mailed at sign-up: the address is confirmed, enrolment opens."""
    operations.confirm_email(token)
    db.session.commit()
    flash(_("Thank you: your e-mail address is confirmed."), "success")
    target = "workshops.catalogue" if current_user.is_authenticated else "accounts.sign_in"
    return redirect(url_for(target), 303)


@bp.post("/confirm/resend")
@roles_required()
@limiter.limit(_sign_in_limit)
def resend_confirmation():
    return carry_out(
        lambda: operations.send_confirmation(current_user._get_current_object()),
        url_for("accounts.profile"),
        CONFIRM_SENT,
        "info",
    )


@bp.get("/profile/tokens")
@roles_required()
def tokens():
    """The person's API tokens: when each was made and ends, and a button to revoke it."""
    return _tokens_page()


def _tokens_page(new_token: str = "", status: int = 200):
    rows = queries.live_tokens(current_user)
    page = render_template("accounts/tokens.html", tokens=rows, new_token=new_token)
    return page, status, {"Cache-Control": "no-store"}


@bp.post("/profile/tokens")
@roles_required()
def create_token():
    """A new token, shown on this page once (only its hash is kept)."""
    _row, token = operations.make_token(current_user._get_current_object())
    db.session.commit()
    return _tokens_page(token, 201)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@roles_required()
def revoke_token(token_id: int):
    return carry_out(
        lambda: operations.revoke_token(current_user._get_current_object(), token_id),
        url_for("accounts.tokens"),
        _("The token has been revoked: it opens nothing any more."),
    )


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


@bp.get("/privacy")
def privacy():
    """The privacy notice: what Aula keeps about a person, who sees it, for how long (the
    retention periods as configured), and how to download it or close the account."""
    config = current_app.config
    return render_template(
        "accounts/privacy.html",
        contact=config["PRIVACY_CONTACT"] or config["MAIL_SENDER"],
        ended_days=config["RETENTION_ENDED_DAYS"],
        sent_days=config["RETENTION_SENT_MESSAGE_DAYS"],
        failed_days=config["RETENTION_FAILED_MESSAGE_DAYS"],
        reset_minutes=operations.RESET_LINK_MINUTES,
        token_days=config["API_TOKEN_DAYS"],
    )


@bp.get("/profile/data")
@roles_required()
def my_data():
    """Everything Aula holds about the person, to read (lms.accounts.personal)."""
    return render_template("accounts/my_data.html", data=personal.everything_about(current_user))


@bp.get("/profile/data.json")
@roles_required()
def my_data_json():
    """The same, as a file to take away."""
    response = jsonify(personal.everything_about(current_user))
    response.headers["Content-Disposition"] = 'attachment; filename="aula-my-data.json"'
    return response


@bp.route("/profile/close", methods=["GET", "POST"])
@roles_required()
def close_account():
    """Erase the account, given its password (lms.accounts.operations.close_account)."""
    form = CloseAccountForm()
    if form.validate_on_submit():
        try:
            operations.close_account(current_user._get_current_object(), form.password.data)
        except DomainError as e:
            db.session.rollback()
            flash(str(e.message), "error")
            return render_template("accounts/close.html", form=form), e.status
        db.session.commit()
        logout_user()
        _renew_session()
        flash(_("Your account is closed and your personal data erased."), "info")
        return redirect(url_for("workshops.catalogue"), 303)
    status = 422 if form.errors else 200
    return render_template("accounts/close.html", form=form), status
