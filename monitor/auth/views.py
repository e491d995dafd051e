"""Log in, log out, and change one's own password."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext, refresh
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, HiddenField, PasswordField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from monitor import audit, i18n, throttle
from monitor.accounts import AccountError, WrongPassword, change_own_password
from monitor.auth import sessions
from monitor.auth.access import STAFF, allow, public
from monitor.auth.passwords import MIN_PASSWORD_LENGTH, dummy_verify, verify_password
from monitor.clock import utcnow
from monitor.extensions import db
from monitor.models import User
from surveys.schema import LANGUAGE_NAMES, LANGUAGES

#: Failed logins allowed per window, per client address and per e-mail address.
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_LIMIT_PER_IP = 20
LOGIN_LIMIT_PER_EMAIL = 10
#: Wrong current passwords allowed per window when changing one's own password.
PASSWORD_CHANGE_LIMIT = 10

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Log in"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)],
                        description=lazy_ngettext("At least %(num)d character.",
                                                  "At least %(num)d characters.",
                                                  MIN_PASSWORD_LENGTH))
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("new", message=_l("The two new passwords are not the same."))])


def _safe_next(target: str | None) -> str:
    """Only follow a ``next`` that stays on this site (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        keys = (f"login-ip:{request.remote_addr}", f"login-email:{email[:254]}")
        if (throttle.is_blocked(keys[0], LOGIN_LIMIT_PER_IP, LOGIN_WINDOW)
                or throttle.is_blocked(keys[1], LOGIN_LIMIT_PER_EMAIL, LOGIN_WINDOW)):
            audit.record("login_throttled", target=email[:255])
            db.session.commit()
            flash(_("Too many failed attempts. Please wait 15 minutes and try again."), "error")
            return render_template("monitor/auth/login.html", form=form), 429
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            dummy_verify(form.password.data)
        elif user.active and verify_password(user.password_hash, form.password.data):
            # A fresh cookie: nothing put in it before the login carries over (no fixation),
            # and a new server-side session whose random id is the cookie's only identity.
            session.clear()
            sessions.start(user, ip=request.remote_addr, user_agent=request.user_agent.string)
            login_user(user)
            user.last_login_at = utcnow()
            if user.language is None:
                # The first sign-in takes the browser's language; the account keeps it after.
                user.language = i18n.browser_language() or i18n.FALLBACK
            throttle.clear(keys[1])
            audit.record("login", target=f"user:{user.id}")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        for key in keys:
            throttle.record_failure(key, LOGIN_WINDOW)
        audit.record("login_failed", target=email[:255])
        db.session.commit()
        flash(_("The e-mail or the password is not right."), "error")
    return render_template("monitor/auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow(*STAFF)
def logout():
    sessions.end(current_user.session_id, "logout")
    audit.record("logout", target=f"user:{current_user.id}")
    db.session.commit()
    logout_user()
    session.clear()
    # Said in the language of the login page it lands on (the browser's, nobody is signed in).
    refresh()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow(*STAFF)
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        key = f"password-user:{user.id}"
        if throttle.is_blocked(key, PASSWORD_CHANGE_LIMIT, LOGIN_WINDOW):
            audit.record("password_change_throttled", target=f"user:{user.id}")
            db.session.commit()
            flash(_("Too many wrong passwords. Please wait 15 minutes and try again."), "error")
            return render_template("monitor/auth/password.html", form=form), 429
        try:
            change_own_password(user, form.current.data, form.new.data, user.session_id,
                                ip=request.remote_addr, user_agent=request.user_agent.string)
        except WrongPassword as exc:
            db.session.rollback()
            throttle.record_failure(key, LOGIN_WINDOW)
            audit.record("password_change_failed", target=f"user:{user.id}")
            db.session.commit()
            form.current.errors.append(str(exc))
        except AccountError as exc:
            db.session.rollback()
            form.new.errors.append(str(exc))
        else:
            throttle.clear(key)
            db.session.commit()
            login_user(user)  # the cookie now carries the renewed session's id
            flash(_("Your password is changed. Your other sessions have ended."), "success")
            return redirect(url_for("home.index"))
    return render_template("monitor/auth/password.html", form=form)


class LanguageForm(FlaskForm):
    language = SelectField(choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
                           validators=[DataRequired()])
    next = HiddenField()


@bp.route("/account/language", methods=["POST"])
@allow(*STAFF)
def language():
    """Keep the chosen interface language on the account, then go back to the page."""
    form = LanguageForm()
    if form.validate_on_submit():
        current_user.language = form.language.data
        audit.record("language_changed", target=f"user:{current_user.id}", language=form.language.data)
        db.session.commit()
    return redirect(_safe_next(form.next.data))
