from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.auth import sessions
from app.auth.forms import LoginForm
from app.auth.services import authenticate
from app.authz import Permission, current_user, requires
from app.db import db
from app.i18n import _

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/connexion", methods=["GET", "POST"])
@requires(Permission.PUBLIC)
def login() -> ResponseReturnValue:
    if current_user() is not None and request.method == "GET":
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is not None:
            sessions.start(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
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


def _demo() -> bool:
    return bool(current_app.config["PARCOURS"].demo)


@bp.post("/deconnexion")
@requires(Permission.AUTHENTICATED)
def logout() -> ResponseReturnValue:
    sessions.end()
    db.session.commit()
    flash(_("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("auth.login"))
