"""The EPS agenda (pseudonymised) and the coordinator's decisions on it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.authz import Permission, current_user, policy, requires
from app.children import services as children_services
from app.children.models import Child, Parcours
from app.children.services import load_child, read_identity
from app.db import db
from app.documents.queries import observed_facts
from app.i18n import _
from app.parcours import services
from app.users.models import User
from app.workflow import queries
from app.workflow.forms import DistinctForm, ReferentForm, ShareForm
from app.workflow.queries import AgendaLine

bp = Blueprint("eps", __name__, url_prefix="/eps")

# The observed facts live in the orientation document's encrypted answers; the agenda shows this
# notice instead of reading them (see the lead's note on issue 3).
NO_FACTS_NOTICE = _("aucun fait observé saisi dans la fiche d'orientation")
NAMED_FACTS_NOTICE = _("faits observés non affichés : ils contiennent un nom (à retirer de la fiche d'orientation)")


def load_parcours(parcours_id: str) -> Parcours | None:
    return db.session.scalar(select(Parcours).where(Parcours.public_id == parcours_id))


def _actor() -> User:
    user = current_user()
    assert user is not None
    return user


def _names(parcours: Parcours) -> list[str] | None:
    """The names the EPS must not read: the child's and its guardians' (None when they do not decrypt)."""
    try:
        identity = read_identity(parcours.child)
    except (ValueError, PermissionError):
        return None
    guardians = [name for g in identity.responsables for name in (g.nom, g.prenom)]
    return [identity.nom, identity.prenom, *guardians]


def _shared_facts(session: Session, lines: list[AgendaLine]) -> dict[str, str]:
    """Observed facts of the orientations the coordinator chose to share with the EPS (only those).

    Facts edited after sharing to carry a name are withheld, with a notice instead."""
    shared = [line.parcours_id for line in lines if line.facts_shared]
    if not shared:
        return {}
    facts = {}
    for parcours in session.scalars(select(Parcours).where(Parcours.public_id.in_(shared))):
        text = observed_facts(session, parcours)
        if text:
            names = _names(parcours)
            facts[parcours.public_id] = NAMED_FACTS_NOTICE if names is None or services.names_in(text, names) else text
    user = _actor()
    audit.record_many(session, "parcours.facts.read", user.id, user.programme_id, "parcours", list(facts))
    session.commit()
    return facts


def _render_agenda() -> ResponseReturnValue:
    """The situations waiting for the EPS (finalised orientations only); decisions are taken in a
    séance (app/eps)."""
    user = _actor()
    session = db.session
    pending = queries.pending_orientations(session, user.programme_id)
    recent = queries.recent_decisions(session, user.programme_id)
    share_form = ShareForm(formdata=None) if policy(user, Permission.EPS_DECIDE) else None
    return render_template(
        "workflow/agenda.html",
        pending=pending,
        recent=recent,
        share_form=share_form,
        facts=_shared_facts(session, pending),
        no_facts=NO_FACTS_NOTICE,
    )


@bp.get("")
@requires(Permission.EPS_AGENDA_VIEW, audit_read="eps.agenda.read")
def agenda() -> ResponseReturnValue:
    return _render_agenda()


@bp.post("/<parcours_id>/partage")
@requires(Permission.EPS_DECIDE, load=load_parcours)
def share(parcours: Parcours, parcours_id: str) -> ResponseReturnValue:
    form = ShareForm()
    if form.validate_on_submit():
        try:
            shared = form.shared.data == "1"
            facts = (observed_facts(db.session, parcours) or "") if shared else ""
            names = _names(parcours) if shared else []
            services.set_facts_shared(db.session, parcours, shared, _actor(), facts, names)
        except services.WorkflowError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Partage des faits observés mis à jour."), "success")
    else:
        flash(_("La demande n'a pas pu être traitée ; rechargez la page et recommencez."), "error")
    return redirect(url_for("eps.agenda") + f"#o-{parcours_id}")


@bp.post("/enfants/<child_id>/referent")
@requires(Permission.EPS_DECIDE, load=load_child)
def assign_referent(child: Child, child_id: str) -> ResponseReturnValue:
    """The coordinator gives or transfers the child's caseload (the only way a référent gets a child),
    with an optional note to the new référent."""
    form = ReferentForm(queries.active_referents(db.session, child.programme_id))
    if not form.validate_on_submit():
        for message in form.referent_id.errors or [_("La demande n'a pas pu être traitée ; rechargez la page.")]:
            flash(str(message), "error")
        return redirect(url_for("children.show", child_id=child_id))
    referent = db.session.get(User, int(form.referent_id.data or 0))
    transfer = child.referent_id is not None and referent is not None and child.referent_id != referent.id
    try:
        services.assign_referent(db.session, child, referent, _actor(), form.note.data or "")
    except services.WorkflowError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        assert referent is not None
        done = _("Enfant transféré·e à %(name)s.") if transfer else _("Référent·e enregistré·e : %(name)s.")
        flash(done % {"name": referent.name}, "success")
    return redirect(url_for("children.show", child_id=child_id))


@bp.post("/enfants/<child_id>/doublon")
@requires(Permission.EPS_DECIDE, load=load_child)
def mark_distinct(child: Child, child_id: str) -> ResponseReturnValue:
    """The coordinator compared a possible duplicate with the earlier file: two different children."""
    if DistinctForm().validate_on_submit():
        children_services.mark_distinct(db.session, child, _actor())
        db.session.commit()
        flash(_("Les deux dossiers sont gardés : ce sont deux enfants différents."), "success")
    else:
        flash(_("La demande n'a pas pu être traitée ; rechargez la page."), "error")
    return redirect(url_for("children.show", child_id=child_id))
