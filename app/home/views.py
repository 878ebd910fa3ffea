from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from app.authz import Permission, current_user, requires
from app.children.services import read_identities
from app.db import db
from app.users.models import Role, User
from app.workflow.queries import coordinator_todo

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
    if user.role == Role.EPS:
        return redirect(url_for("eps.agenda"))
    if user.role == Role.RESEAU:
        return redirect(url_for("network.index"))
    return _coordinator_home(user)


def _coordinator_home(user: User) -> ResponseReturnValue:
    """What needs attention, each line linking to the child's page (names are decrypted: audited)."""
    todo = coordinator_todo(db.session, user)
    children = {p.child for p, _last in todo.without_review} | {d.child for d in todo.waiting_documents}
    names = read_identities(db.session, user, children, "home.todo.read")
    db.session.commit()
    return render_template("home/index.html", todo=todo, names=names)
