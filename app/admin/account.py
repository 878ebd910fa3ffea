"""The holder's side of an account: activation through a one-time link, changing one's password,
resetting one's second factor; and the coordinator's confirmation of accounts with case access."""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.admin.forms import EmptyForm, NewPasswordForm, PasswordChangeForm, TotpResetForm
from app.admin.users import load_user
from app.auth import sessions, totp
from app.authz import Permission, current_user, requires
from app.crypto.current import keyring
from app.db import db, utcnow
from app.i18n import _
from app.users import activation, services
from app.users.models import User
from app.users.passwords import verify_password

bp = Blueprint("account", __name__)


def _actor() -> User:
    user = current_user()
    assert user is not None
    return user


def _new_password(form: NewPasswordForm) -> str | None:
    """The new password when both entries match and it is acceptable; errors go on the form."""
    password = form.password.data or ""
    if password != (form.confirmation.data or ""):
        form.confirmation.errors = [_("Les deux saisies sont différentes : tapez le même mot de passe deux fois.")]
        return None
    return password


@bp.route("/activation/<token>", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def activate(token: str) -> ResponseReturnValue:
    found = activation.find(db.session, token)
    if found is None:
        return render_template("account/activate.html", form=None), 410
    row, user = found
    form = NewPasswordForm()
    if form.validate_on_submit():
        password = _new_password(form)
        if password is not None:
            try:
                services.set_password(db.session, user, password, user.id)
            except services.UserError as error:
                form.password.errors = [str(error)]
            else:
                row.used_at = utcnow()
                db.session.commit()
                flash(_("Mot de passe enregistré : connectez-vous."), "success")
                return redirect(url_for("auth.login"))
    return render_template("account/activate.html", form=form, user=user), 422 if form.errors else 200


def _render(password_form: PasswordChangeForm | None = None, totp_form: TotpResetForm | None = None) -> str:
    return render_template(
        "account/index.html",
        password_form=password_form or PasswordChangeForm(formdata=None),
        totp_form=totp_form or TotpResetForm(formdata=None),
        enrolled=totp.enrolled(_actor()),
    )


@bp.get("/compte/")
@requires(Permission.AUTHENTICATED)
def index() -> ResponseReturnValue:
    return _render()


@bp.post("/compte/mot-de-passe")
@requires(Permission.AUTHENTICATED)
def change_password() -> ResponseReturnValue:
    user = _actor()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current.data or ""):
            form.current.errors = [_("Mot de passe actuel incorrect.")]
        else:
            password = _new_password(form)
            if password is not None:
                try:
                    services.set_password(db.session, user, password, user.id)
                except services.UserError as error:
                    form.password.errors = [str(error)]
                else:
                    sessions.start(user)  # other sessions end; this one continues with a new id
                    db.session.commit()
                    flash(_("Mot de passe changé. Vos autres sessions sont fermées."), "success")
                    return redirect(url_for("account.index"))
    return _render(password_form=form), 422


@bp.post("/compte/double-authentification")
@requires(Permission.AUTHENTICATED)
def reset_totp() -> ResponseReturnValue:
    """New phone: with the password and a current code, the second factor is removed and enrolled
    again at once, at the next login."""
    user = _actor()
    form = TotpResetForm()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data or ""):
            form.current_password.errors = [_("Mot de passe actuel incorrect.")]
        elif not totp.enrolled(user) or not totp.check_code(user, keyring(), form.code.data or ""):
            form.code.errors = [_("Code incorrect ou déjà utilisé : saisissez le code affiché maintenant.")]
        else:
            services.reset_totp(db.session, user, user.id)
            db.session.commit()
            flash(
                _("Double authentification retirée : connectez-vous pour enregistrer votre nouvelle application."),
                "success",
            )
            return redirect(url_for("auth.login"))
    return _render(totp_form=form), 422


@bp.get("/compte/cle-brouillons")
@requires(Permission.AUTHENTICATED)
def draft_key() -> ResponseReturnValue:
    """The key with which this user's browser encrypts the local copies of unsent typing
    (app/static/js/forms.js). Given only to a logged-in session and kept in page memory only:
    after logout or expiry the copies stay unreadable until the same user logs in again."""
    user = _actor()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hmac.new(secret, f"parcours/draft-key/{user.id}".encode(), hashlib.sha256).digest()
    return jsonify(key=base64.b64encode(key).decode(), user=user.id)


def _pending(user: User) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.programme_id == user.programme_id, User.pending_role.is_not(None))
            .order_by(User.name)
        )
    )


@bp.get("/comptes/confirmations")
@requires(Permission.ACCOUNT_CONFIRM)
def confirmations() -> ResponseReturnValue:
    return render_template("account/confirmations.html", pending=_pending(_actor()), form=EmptyForm())


@bp.post("/comptes/confirmations/<user_id>/confirmer")
@requires(Permission.ACCOUNT_CONFIRM, load=load_user)
def confirm(user: User, user_id: str) -> ResponseReturnValue:
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("account.confirmations"))
    try:
        token = services.confirm(db.session, user, _actor())
    except services.UserError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("account.confirmations"))
    db.session.commit()
    link = url_for("account.activate", token=token, _external=True)
    return render_template("users/link.html", user=user, link=link)


@bp.post("/comptes/confirmations/<user_id>/refuser")
@requires(Permission.ACCOUNT_CONFIRM, load=load_user)
def refuse(user: User, user_id: str) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        try:
            services.refuse(db.session, user, _actor())
        except services.UserError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Demande refusée."), "success")
    return redirect(url_for("account.confirmations"))
