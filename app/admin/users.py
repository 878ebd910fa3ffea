"""Account administration (role `admin`): list, create, disable, re-enable, change role."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.admin.forms import EmptyForm, UserCreateForm, UserRoleForm
from app.authz import Permission, current_user, requires
from app.db import db
from app.i18n import _
from app.params import bounded_int
from app.users import services
from app.users.models import Programme, User

bp = Blueprint("users", __name__, url_prefix="/admin/utilisateurs")


def load_user(user_id: str) -> User | None:
    number = bounded_int(user_id)
    return db.session.get(User, number) if number is not None else None


def _actor() -> User:
    user = current_user()
    assert user is not None
    return user


@bp.get("/")
@requires(Permission.USER_MANAGE)
def index() -> ResponseReturnValue:
    users = db.session.scalars(select(User).where(User.programme_id == _actor().programme_id).order_by(User.name)).all()
    return render_template(
        "users/index.html",
        users=users,
        form=UserCreateForm(),
        action_form=EmptyForm(),
        role_form=UserRoleForm(),
    )


@bp.post("/")
@requires(Permission.USER_MANAGE)
def create() -> ResponseReturnValue:
    form = UserCreateForm()
    actor = _actor()
    if form.validate_on_submit():
        programme = db.session.get(Programme, actor.programme_id)
        assert programme is not None
        try:
            services.create_user(
                db.session,
                programme=programme,
                email=form.email.data or "",
                name=form.name.data or "",
                role=form.role.data or "",
                password=form.password.data or "",
                actor_id=actor.id,
            )
        except services.UserError as error:
            form.password.errors = [*form.password.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Compte créé."), "success")
            return redirect(url_for("users.index"))
    users = db.session.scalars(select(User).where(User.programme_id == actor.programme_id).order_by(User.name)).all()
    return render_template(
        "users/index.html",
        users=users,
        form=form,
        action_form=EmptyForm(),
        role_form=UserRoleForm(),
    ), 422


def _change(user: User, change: str, role: str | None = None) -> ResponseReturnValue:
    actor = _actor()
    try:
        if change == "role":
            services.set_role(db.session, user, role or "", actor.id)
        else:
            services.set_active(db.session, user, change == "enable", actor.id)
    except services.UserError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Compte mis à jour."), "success")
    return redirect(url_for("users.index"))


@bp.post("/<user_id>/desactiver")
@requires(Permission.USER_MANAGE, load=load_user)
def disable(user: User, user_id: str) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("users.index"))
    return _change(user, "disable")


@bp.post("/<user_id>/activer")
@requires(Permission.USER_MANAGE, load=load_user)
def enable(user: User, user_id: str) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("users.index"))
    return _change(user, "enable")


@bp.post("/<user_id>/role")
@requires(Permission.USER_MANAGE, load=load_user)
def change_role(user: User, user_id: str) -> ResponseReturnValue:
    form = UserRoleForm()
    if not form.validate_on_submit():
        return redirect(url_for("users.index"))
    return _change(user, "role", form.role.data)
