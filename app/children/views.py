from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.authz import Permission, audit_after_view, current_user, policy, requires
from app.authz.caseload import CASELOAD_HOLDERS
from app.children import services
from app.children.models import Child, ChildIdentity, situation_of
from app.children.queries import duplicate_of, latest_parcours, visible_to
from app.db import db
from app.i18n import _
from app.users.models import User

bp = Blueprint("children", __name__, url_prefix="/enfants")

MAX_SEARCH_LENGTH = 200
UNREADABLE_TEXT = _(
    "L'identité de cet enfant ne peut pas être déchiffrée : les données ont été altérées ou sa clé "
    "n'existe plus. Prévenez l'administrateur, qui peut restaurer une sauvegarde."
)
SITUATION_LABELS = {
    "aucun": _("Aucun parcours"),
    "en_attente": _("Orienté·e, en attente de l'EPS"),
    "accepte": _("Accompagné·e"),
    "refuse": _("Orientation refusée"),
    "reoriente": _("Réorienté·e"),
    "ajourne": _("Situation ajournée par l'EPS"),
    "sorti": _("Sorti·e"),
    # Admitted, then closed before the contract was signed: the parcours never began.
    "sans_suite": _("Admission sans suite (contrat non signé)"),
    # Admitted by the EPS, contract not signed yet (no entry date until it is).
    "contrat_a_signer": _("Admis·e, contrat à signer"),
}

# What the caseload shows of each child: its names (3 of the identity's columns); where its latest
# parcours stands comes from one query of rows (`latest_parcours`), not from loading every parcours.
CASELOAD_COLUMNS = joinedload(Child.identity).load_only(
    ChildIdentity.nom, ChildIdentity.prenom, ChildIdentity.date_naissance, ChildIdentity.write_count
)


@bp.route("/", methods=["GET", "POST"])
@requires(Permission.CHILD_LIST)
def index() -> ResponseReturnValue:
    """The caseload; a search is POSTed so that the name typed never appears in a URL or a log."""
    user = current_user()
    assert user is not None
    query = request.form.get("q", "").strip()[:MAX_SEARCH_LENGTH] if request.method == "POST" else ""
    db.begin_read()  # every query first, without the write lock; then one short write: the audit event
    if query:
        children = services.search(db.session, user, query)
    else:
        children = list(db.session.scalars(visible_to(user).options(CASELOAD_COLUMNS)))
    latest = latest_parcours(db.session, (child.id for child in children))
    referents = {u.id: u for u in db.session.scalars(select(User).where(User.programme_id == user.programme_id))}
    db.session.commit()
    identities = services.read_identities(db.session, user, children, "child.list")
    db.session.commit()
    rows = sorted(
        ((child, identities[child.id]) for child in children),
        key=lambda row: (row[1].nom.casefold(), row[1].prenom.casefold()) if row[1] else ("", row[0].pseudonym),
    )
    db.begin_read()  # the page's own reads (contracts to sign, last reviews) take no write lock
    return render_template(
        "children/index.html",
        rows=rows,
        latest=latest,
        situations={child.id: situation_of(latest.get(child.id)) for child in children},
        query=query,
        referents=referents,
        situation_labels=SITUATION_LABELS,
        show_duplicates=policy(user, Permission.EPS_DECIDE),
    )


@bp.get("/<child_id>")
@requires(Permission.CHILD_VIEW, load=services.load_child, audit_read="child.read")
def show(child: Child, child_id: str) -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    try:
        identity = services.read_identity(child)
    except (ValueError, PermissionError):
        services.unreadable(db.session, user, child)
        db.session.commit()
        title, text = _("Dossier illisible"), UNREADABLE_TEXT
        return render_template("error.html", title=title, text=text, code=409), 409
    siblings = []
    if child.famille_digest:
        others = db.session.scalars(
            visible_to(user)
            .options(joinedload(Child.identity))
            .where(Child.famille_digest == child.famille_digest, Child.id != child.id)
        ).all()
        names = {sibling.id: _names_or_none(sibling) for sibling in others}
        audit_after_view(*_sibling_events(user, others, names))
        siblings = [(sibling, names[sibling.id]) for sibling in others if names[sibling.id] is not None]
    referent = db.session.get(User, child.referent_id) if child.referent_id else None
    coordination = {}
    if policy(user, Permission.EPS_DECIDE, child):
        referents = _active_referents(child.programme_id)
        coordination = {"referents": referents, "duplicate": duplicate_of(db.session, child)}
    return render_template(
        "children/show.html", child=child, identity=identity, siblings=siblings, referent=referent, **coordination
    )


def _names_or_none(child: Child) -> services.Names | None:
    try:
        return services.read_names(child)
    except (ValueError, PermissionError):  # altered or shredded: audited as unreadable, not shown
        return None


def _sibling_events(
    user: User, others: Sequence[Child], names: dict[int, services.Names | None]
) -> list[dict[str, Any]]:
    """One read event per sibling named on the page (and one per sibling that did not decrypt)."""
    unreadable = [services.unreadable_event(user, sibling) for sibling in others if names[sibling.id] is None]
    read = [audit.event_for("child.read.sibling", sibling, actor_id=user.id) for sibling in others]
    return [*unreadable, *read]


def _active_referents(programme_id: int) -> list[User]:
    query = select(User).where(
        User.programme_id == programme_id, User.role.in_(CASELOAD_HOLDERS), User.active.is_(True)
    )
    return list(db.session.scalars(query.order_by(User.name)))
