from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from app.authz import Permission, current_user, policy, requires
from app.children.services import read_identities
from app.db import db
from app.eps.queries import coordinator_home, waiting_days
from app.followup.models import STATUS_LABELS
from app.followup.queries import kind_label
from app.home.queries import referent_todo
from app.parcours.queries import waiting_list
from app.users.models import User
from app.workflow.queries import coordinator_todo

bp = Blueprint("home", __name__)

# Where a user who does not decide for the EPS lands: the first page their permissions open.
LANDING_PAGES = [
    (Permission.USER_MANAGE, "users.index"),
    (Permission.CHILD_LIST, "children.index"),
    (Permission.EPS_SEANCE_VIEW, "seances.index"),
    (Permission.NETWORK_VIEW, "network.index"),
]


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
    if policy(user, Permission.EPS_DECIDE):
        return _coordinator_home(user)
    if policy(user, Permission.DOCUMENT_EDIT):
        return _referent_home(user)
    for permission, endpoint in LANDING_PAGES:
        if policy(user, permission):
            return redirect(url_for(endpoint))
    return _coordinator_home(user)


def _referent_home(user: User) -> ResponseReturnValue:
    """The référent's to-do over their own caseload, each line linking to where it is done."""
    db.begin_read()
    todo = referent_todo(db.session, user)
    db.session.commit()
    names = read_identities(db.session, user, todo.children(), "home.todo.read")
    db.session.commit()
    return render_template(
        "home/referent.html", todo=todo, names=names, status_labels=STATUS_LABELS, kind_label=kind_label
    )


def _coordinator_home(user: User) -> ResponseReturnValue:
    """What needs attention, each line linking to the child's page (names are decrypted: audited)."""
    todo = coordinator_todo(db.session, user)
    eps = coordinator_home(db.session, user.programme_id, waiting_days())
    children = {p.child for p, _last in todo.without_review} | {d.child for d in todo.waiting_documents}
    children |= {p.child for p in eps.waiting_too_long}
    waiting = waiting_list(db.session, user.programme_id)
    names = read_identities(db.session, user, children, "home.todo.read")
    db.session.commit()
    return render_template("home/index.html", todo=todo, names=names, eps=eps, waiting=waiting)
