from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

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


@bp.route("/", methods=["GET", "POST"])
@requires(Permission.CHILD_LIST)
def index() -> ResponseReturnValue:
    """The caseload; a search is POSTed so that the name typed never appears in a URL or a log."""
    user = current_user()
    assert user is not None
    query = request.form.get("q", "").strip()[:MAX_SEARCH_LENGTH] if request.method == "POST" else ""
    if query:
        children = services.search(db.session, user, query)
    else:
        children = list(db.session.scalars(visible_to(user).options(selectinload(Child.parcours))))
    identities = services.read_identities(db.session, user, children, "child.list")
    db.session.commit()
    rows = sorted(
        ((child, identities[child.id]) for child in children),
        key=lambda row: (row[1].nom.casefold(), row[1].prenom.casefold()),
    )
    referents = {u.id: u for u in db.session.scalars(select(User).where(User.programme_id == user.programme_id))}
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
        others = list(
            db.session.scalars(
                visible_to(user).where(Child.famille_digest == child.famille_digest, Child.id != child.id)
            )
        )
        names = services.read_identities(db.session, user, others, "child.read.sibling")
        db.session.commit()
        siblings = [(sibling, names[sibling.id]) for sibling in others]
    referent = db.session.get(User, child.referent_id) if child.referent_id else None
    return render_template("children/show.html", child=child, identity=identity, siblings=siblings, referent=referent)
