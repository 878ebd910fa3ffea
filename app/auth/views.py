"""Login (password, then TOTP when enrolled or required), logout."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from app.audit import services as audit
from app.auth import sessions, totp
from app.auth.forms import CodeForm, LoginForm
from app.auth.services import authenticate, register_failure, reset_failures
from app.authz import Permission, current_user, requires
from app.crypto.current import keyring
from app.db import db, utcnow
from app.i18n import _
from app.users.models import User

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


def _demo() -> bool:
    return bool(current_app.config["PARCOURS"].demo)


def _finish_login(user: User) -> ResponseReturnValue:
    next_url = _safe_next(session.get("pending_next") or request.args.get("next"))
    reset_failures(user)
    sessions.start(user)
    audit.record(db.session, "login.success", actor_id=user.id, programme_id=user.programme_id)
    db.session.commit()
    return redirect(next_url)


@bp.route("/connexion", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def login() -> ResponseReturnValue:
    if current_user() is not None and request.method == "GET":
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is not None:
            if totp.enrolled(user) or totp.required_for(user, _demo()):
                next_url = request.args.get("next")
                session.clear()
                session.update(pending_user=user.id, pending_since=time.time(), pending_next=next_url)
                db.session.commit()
                return redirect(url_for("auth.second_factor" if totp.enrolled(user) else "auth.enrol"))
            return _finish_login(user)
        db.session.commit()
        flash(
            _(
                "Adresse e-mail ou mot de passe incorrect, ou compte temporairement bloqué après "
                "plusieurs essais. Vérifiez vos identifiants ou réessayez dans quelques minutes."
            ),
            "error",
        )
        return render_template("auth/login.html", form=form, demo=_demo()), 401
    return render_template("auth/login.html", form=form, demo=_demo())


def _pending_user() -> User | None:
    """The user who gave the right password in the last five minutes, not yet the code."""
    user_id, since = session.get("pending_user"), session.get("pending_since", 0)
    if user_id is None or time.time() - since > PENDING_SECONDS:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def _check(user: User, form: CodeForm) -> bool:
    locked = user.locked_until is not None and user.locked_until > utcnow()
    if not locked and totp.check_code(user, keyring(), form.code.data or ""):
        return True
    register_failure(db.session, user, "login.failure.totp")
    db.session.commit()
    form.code.errors = [
        _("Code incorrect ou déjà utilisé : saisissez le code affiché maintenant par votre application.")
    ]
    return False


@bp.route("/connexion/code", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def second_factor() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or not totp.enrolled(user):
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit() and _check(user, form):
        return _finish_login(user)
    status = 422 if form.errors else 200
    return render_template("auth/code.html", form=form), status


@bp.route("/connexion/activation", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def enrol() -> ResponseReturnValue:
    """First login of an account that needs a second factor: scan the QR code, type a code."""
    user = _pending_user()
    if user is None or totp.enrolled(user):
        return redirect(url_for("auth.login"))
    ring = keyring()
    if user.totp_secret is None:
        totp.start_enrolment(user, ring)
        db.session.commit()
    seed = totp.seed_of(user, ring)
    form = CodeForm()
    if form.validate_on_submit() and _check(user, form):
        user.totp_confirmed = True
        audit.record_for(db.session, "user.totp.enrol", user, actor_id=user.id)
        return _finish_login(user)
    qr = totp.provisioning_qr(user, seed)
    grouped = " ".join(seed[i : i + 4] for i in range(0, len(seed), 4))
    return render_template("auth/enrol.html", form=form, qr=qr, seed=grouped), 422 if form.errors else 200


@bp.post("/deconnexion")
@requires(Permission.AUTHENTICATED)
def logout() -> ResponseReturnValue:
    sessions.end()
    db.session.commit()
    flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("auth.login"))
