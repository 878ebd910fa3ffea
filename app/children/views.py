from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.authz import Permission, current_user, policy, requires
from app.children import duplicates, reading, services
from app.children.forms import DistinctForm, ReferentForm
from app.children.models import Child
from app.children.queries import visible_to
from app.db import db
from app.i18n import _
from app.users.models import User
from app.workflow.queries import active_referents
from app.workflow.services import WorkflowError
from app.workflow.services import assign_referent as assign

bp = Blueprint("children", __name__, url_prefix="/enfants")

MAX_SEARCH_LENGTH = 200
UNREADABLE_TEXT = _(
    "L'identité de cet enfant ne peut pas être déchiffrée : les données ont été altérées ou sa clé "
    "n'existe plus. Prévenez l'administrateur, qui peut restaurer une sauvegarde."
)
SITUATION_LABELS = {
    "aucun": _("Aucun parcours"),
    "en_attente": _("Orienté, en attente de l'EPS"),
    "accepte": _("Accompagné"),
    "refuse": _("Orientation refusée"),
    "reoriente": _("Réorienté"),
    "sorti": _("Sorti"),
}


def load_child(child_id: str) -> Child | None:
    return db.session.scalar(select(Child).where(Child.public_id == child_id))


@bp.get("/")
@requires(Permission.CHILD_LIST)
def index() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    query = request.args.get("q", "").strip()[:MAX_SEARCH_LENGTH]
    if query:
        children = services.search(db.session, user, query)
    else:
        children = list(db.session.scalars(visible_to(user).options(selectinload(Child.parcours))))
    identities = reading.read_identities(db.session, user, children, "child.list")
    db.session.commit()
    rows = sorted(
        ((child, identities[child.id]) for child in children),
        key=lambda row: (row[1].nom.casefold(), row[1].prenom.casefold()) if row[1] else ("", row[0].pseudonym),
    )
    referents = {u.id: u for u in db.session.scalars(select(User).where(User.programme_id == user.programme_id))}
    return render_template(
        "children/index.html",
        rows=rows,
        query=query,
        referents=referents,
        situation_labels=SITUATION_LABELS,
        show_duplicates=policy(user, Permission.REFERENT_ASSIGN),
    )


@bp.get("/<child_id>")
@requires(Permission.CHILD_VIEW, load=load_child, audit_read="child.read")
def show(child: Child, child_id: str) -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    try:
        identity = services.read_identity(child)
    except (ValueError, PermissionError):
        reading.unreadable(db.session, user, child)
        db.session.commit()
        title, text = _("Dossier illisible"), UNREADABLE_TEXT
        return render_template("error.html", title=title, text=text, code=409), 409
    siblings = []
    if child.famille_digest:
        others = db.session.scalars(
            visible_to(user).where(Child.famille_digest == child.famille_digest, Child.id != child.id)
        ).all()
        names = reading.read_identities(db.session, user, others, "child.siblings.read")
        siblings = [(sibling, names[sibling.id]) for sibling in others if names[sibling.id] is not None]
    referent = db.session.get(User, child.referent_id) if child.referent_id else None
    coordination = {}
    if policy(user, Permission.REFERENT_ASSIGN, child):
        referents = active_referents(db.session, child.programme_id)
        coordination = {
            "referent_form": ReferentForm(referents, formdata=None, data={"referent_id": str(child.referent_id or "")}),
            "duplicate": duplicates.duplicate_of(db.session, child),
            "distinct_form": DistinctForm(formdata=None),
        }
    return render_template(
        "children/show.html", child=child, identity=identity, siblings=siblings, referent=referent, **coordination
    )


def _coordinator() -> User:
    user = current_user()
    assert user is not None
    return user


@bp.post("/<child_id>/referent")
@requires(Permission.REFERENT_ASSIGN, load=load_child)
def assign_referent(child: Child, child_id: str) -> ResponseReturnValue:
    """The coordinator gives or transfers the child's caseload (the only way a référent gets a child)."""
    form = ReferentForm(active_referents(db.session, child.programme_id))
    if not form.validate_on_submit():
        for message in form.referent_id.errors or [_("La demande n'a pas pu être traitée ; rechargez la page.")]:
            flash(str(message), "error")
        return redirect(url_for(".show", child_id=child_id))
    try:
        assign(db.session, child, db.session.get(User, int(form.referent_id.data or 0)), _coordinator())
    except WorkflowError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Référent·e enregistré·e."), "success")
    return redirect(url_for(".show", child_id=child_id))


@bp.post("/<child_id>/doublon")
@requires(Permission.REFERENT_ASSIGN, load=load_child)
def mark_distinct(child: Child, child_id: str) -> ResponseReturnValue:
    """The coordinator compared a possible duplicate with the earlier file: two different children."""
    if DistinctForm().validate_on_submit():
        duplicates.mark_distinct(db.session, child, _coordinator())
        db.session.commit()
        flash(_("Les deux dossiers sont gardés : ce sont deux enfants différents."), "success")
    else:
        flash(_("La demande n'a pas pu être traitée ; rechargez la page."), "error")
    return redirect(url_for(".show", child_id=child_id))
