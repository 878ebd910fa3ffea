from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.authz import Permission, current_user, requires
from app.children import services
from app.children.models import Child
from app.children.queries import visible_to
from app.db import db
from app.i18n import _
from app.users.models import User

bp = Blueprint("children", __name__, url_prefix="/enfants")

MAX_SEARCH_LENGTH = 200
SITUATION_LABELS = {
    "aucun": _("Aucun parcours"),
    "en_attente": _("Orienté, en attente de l'EPS"),
    "accepte": _("Accompagné"),
    "refuse": _("Orientation refusée"),
    "reoriente": _("Réorienté"),
    "sorti": _("Sorti"),
}


@bp.get("/")
@requires(Permission.CHILD_LIST)
def index() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    query = request.args.get("q", "").strip()[:MAX_SEARCH_LENGTH]
    db.begin_read()  # every query first, without the write lock; then one short write: the audit event
    if query:
        children = services.search(db.session, user, query)
    else:
        children = list(
            db.session.scalars(visible_to(user).options(joinedload(Child.identity), selectinload(Child.parcours)))
        )
    referents = {u.id: u for u in db.session.scalars(select(User).where(User.programme_id == user.programme_id))}
    db.session.commit()
    identities = services.read_identities(db.session, user, children, "child.list")
    db.session.commit()
    rows = sorted(
        ((child, identities[child.id]) for child in children),
        key=lambda row: (row[1].nom.casefold(), row[1].prenom.casefold()),
    )
    return render_template(
        "children/index.html", rows=rows, query=query, referents=referents, situation_labels=SITUATION_LABELS
    )


@bp.get("/<child_id>")
@requires(Permission.CHILD_VIEW, load=services.load_child, audit_read="child.read")
def show(child: Child, child_id: str) -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    identity = services.read_identity(child)
    siblings = []
    if child.famille_digest:
        siblings = [
            (sibling, services.read_identity(sibling))
            for sibling in db.session.scalars(
                visible_to(user)
                .options(joinedload(Child.identity))
                .where(Child.famille_digest == child.famille_digest, Child.id != child.id)
            )
        ]
    referent = db.session.get(User, child.referent_id) if child.referent_id else None
    return render_template("children/show.html", child=child, identity=identity, siblings=siblings, referent=referent)
