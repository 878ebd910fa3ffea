from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from app.authz import Permission, current_user, requires
from app.db import db
from app.users.models import Role

bp = Blueprint("home", __name__)


@bp.get("/sante")
@requires(Permission.PUBLIC)
def health() -> ResponseReturnValue:
    db.session.execute(text("SELECT 1")).scalar_one()
    return jsonify(status="ok")


@bp.get("/")
@requires(Permission.AUTHENTICATED)
def index() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    if user.role == Role.ADMIN:
        return redirect(url_for("users.index"))
    if user.role == Role.REFERENT:
        return redirect(url_for("children.index"))
    return render_template("home/index.html")
