"""Admin pages: staff accounts and the audit log."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length

from monitor.accounts import AccountError, create_user, set_active, set_password
from monitor.admin import bp
from monitor.auth.access import allow
from monitor.auth.passwords import MIN_PASSWORD_LENGTH
from monitor.extensions import db
from monitor.models import AuditEvent, Role, User
from monitor.pagination import paginate
from monitor.web import ConfirmForm, get_or_404, options

#: The roles' names in the form's list, in the page's language.
ROLE_LABELS = {"admin": _l("Administrator"), "officer": _l("Monitoring officer"),
               "evaluator": _l("Evaluator")}


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=options((r.value, ROLE_LABELS[r.value]) for r in Role))
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             description=lazy_ngettext(
                                 "At least %(num)d character. Tell the person in person.",
                                 "At least %(num)d characters. Tell the person in person.",
                                 MIN_PASSWORD_LENGTH))


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])


@bp.route("/users", methods=["GET", "POST"])
@allow(Role.admin)
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.role.data, form.password.data,
                               actor_id=current_user.id)
        except AccountError as exc:
            db.session.rollback()
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Account created for %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    accounts = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template("monitor/admin/users.html", form=form, accounts=accounts,
                           confirm=ConfirmForm(), password_form=PasswordForm())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow(Role.admin)
def user_active(user_id: int):
    user = get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        set_active(user, not user.active, actor_id=current_user.id)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(email)s is now active.", email=user.email) if user.active
              else _("%(email)s is now deactivated.", email=user.email), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@allow(Role.admin)
def user_password(user_id: int):
    user = get_or_404(User, user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            set_password(user, form.password.data, actor_id=current_user.id)
        except AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("New password set for %(email)s; their sessions have ended.", email=user.email),
                  "success")
    return redirect(url_for("admin.users"))


@bp.route("/audit")
@allow(Role.admin)
def audit_log():
    stmt = (select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.user_id)
            .order_by(AuditEvent.id.desc()))
    action = request.args.get("action", "").strip()
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    page = paginate(stmt, request.args.get("page", 1, type=int),
                    current_app.config["PAGE_SIZE"] * 2)
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return render_template("monitor/admin/audit.html", page=page, actions=list(actions))
