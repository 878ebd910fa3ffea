"""The programme's waiting list (admitted children without a référent) and the notes of transfers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.authz import Permission, current_user, requires
from app.authz.caseload import CASELOAD_HOLDERS
from app.children.models import Child
from app.children.services import read_identities
from app.db import db
from app.parcours import queries
from app.users.models import User

bp = Blueprint("parcours", __name__)


@bp.get("/liste-attente")
@requires(Permission.EPS_DECIDE)
def waiting_list() -> ResponseReturnValue:
    """Admitted children waiting for a référent, with the days since admission; each name read is audited."""
    user = current_user()
    assert user is not None
    db.begin_read()
    waiting = queries.waiting_list(db.session, user.programme_id)
    referents = list(
        db.session.scalars(
            select(User)
            .where(User.programme_id == user.programme_id, User.role.in_(CASELOAD_HOLDERS), User.active.is_(True))
            .order_by(User.name)
        )
    )
    db.session.commit()
    names = read_identities(db.session, user, [w.child for w in waiting], "waiting_list.read")
    db.session.commit()
    return render_template("parcours/waiting_list.html", waiting=waiting, names=names, referents=referents)


@bp.app_template_global()
def transfer_note(child: Child) -> Any:
    """The note left to the child's current référent at the last assignment or transfer (None if none)."""
    return queries.note_for_current_referent(db.session, child)
