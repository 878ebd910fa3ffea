"""Account administration (role `admin`): list, create, disable, re-enable, change role."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
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
            user, token = services.request_account(
                db.session,
                programme=programme,
                email=form.email.data or "",
                name=form.name.data or "",
                role=form.role.data or "",
                actor_id=actor.id,
            )
        except services.UserError as error:
            form.email.errors = [*form.email.errors, str(error)]
        else:
            db.session.commit()
            if token is None:
                flash(
                    _("Demande de compte enregistrée : un·e coordonnateur·rice du programme doit la confirmer."),
                    "success",
                )
                return redirect(url_for("users.index"))
            return render_template(
                "users/link.html", user=user, link=url_for("account.activate", token=token, _external=True)
            )
    users = db.session.scalars(select(User).where(User.programme_id == actor.programme_id).order_by(User.name)).all()
    return render_template(
        "users/index.html",
        users=users,
        form=form,
        action_form=EmptyForm(),
        role_form=UserRoleForm(),
    ), 422


@bp.post("/fuseau-horaire")
@requires(Permission.USER_MANAGE)
def programme_timezone() -> ResponseReturnValue:
    """The zone in which the programme's users read every time (stored in UTC)."""
    if EmptyForm().validate_on_submit():
        actor = _actor()
        try:
            services.set_programme_timezone(db.session, actor.programme, request.form.get("timezone", ""), actor.id)
        except services.UserError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Fuseau horaire enregistré : %(zone)s.") % {"zone": actor.programme.timezone}, "success")
    return redirect(url_for("users.index"))


@bp.post("/<user_id>/reinitialiser")
@requires(Permission.USER_MANAGE, load=load_user)
def reset_access(user: User, user_id: str) -> ResponseReturnValue:
    """Forgotten password: the old one stops working; the holder chooses a new one through a link."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("users.index"))
    try:
        token = services.reset_access(db.session, user, _actor().id)
    except services.UserError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("users.index"))
    db.session.commit()
    if token is None:
        flash(
            _("Accès réinitialisé : un·e coordonnateur·rice du programme remettra le nouveau lien à la personne."),
            "success",
        )
        return redirect(url_for("users.index"))
    return render_template("users/link.html", user=user, link=url_for("account.activate", token=token, _external=True))


@bp.post("/<user_id>/double-authentification")
@requires(Permission.USER_MANAGE, load=load_user)
def reset_totp(user: User, user_id: str) -> ResponseReturnValue:
    """Lost phone: the holder enrols a new application at the next login, with their own password."""
    if EmptyForm().validate_on_submit():
        services.reset_totp(db.session, user, _actor().id)
        db.session.commit()
        flash(
            _(
                "Double authentification réinitialisée : la personne en enregistrera une nouvelle "
                "à sa prochaine connexion."
            ),
            "success",
        )
    return redirect(url_for("users.index"))


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
