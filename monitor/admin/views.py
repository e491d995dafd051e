"""Admin pages: staff accounts and the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length

from monitor.accounts import AccountError, create_user, set_active, set_password
from monitor.auth.access import allow
from monitor.extensions import db
from monitor.models import AuditEvent, Role, User
from monitor.pagination import paginate
from monitor.registry.forms import ConfirmForm, options

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=options((r.value, r.value.capitalize()) for r in Role))
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)],
                             description="At least 12 characters. Tell the person in person.")


class PasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])


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
            flash(f"Account created for {user.email}.", "success")
            return redirect(url_for("admin.users"))
    accounts = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template("monitor/admin/users.html", form=form, accounts=accounts,
                           confirm=ConfirmForm(), password_form=PasswordForm())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow(Role.admin)
def user_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        set_active(user, not user.active, actor_id=current_user.id)
    except AccountError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"{user.email} is now {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@allow(Role.admin)
def user_password(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            set_password(user, form.password.data, actor_id=current_user.id)
        except AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(f"New password set for {user.email}; their sessions have ended.", "success")
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
