"""The EPS agenda (pseudonymised) and the coordinator's decisions on it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.authz import Permission, current_user, policy, requires
from app.children.models import Parcours
from app.db import db
from app.documents.queries import observed_facts
from app.i18n import _
from app.parcours import services
from app.users.models import User
from app.workflow import queries
from app.workflow.forms import ShareForm
from app.workflow.queries import AgendaLine

bp = Blueprint("eps", __name__, url_prefix="/eps")

# The observed facts live in the orientation document's encrypted answers; the agenda shows this
# notice instead of reading them (see the lead's note on issue 3).
NO_FACTS_NOTICE = _("aucun fait observé saisi dans la fiche d'orientation")


def load_parcours(parcours_id: str) -> Parcours | None:
    return db.session.scalar(select(Parcours).where(Parcours.public_id == parcours_id))


def _actor() -> User:
    user = current_user()
    assert user is not None
    return user


def _shared_facts(session: Session, lines: list[AgendaLine]) -> dict[str, str]:
    """Observed facts of the orientations the coordinator chose to share with the EPS (only those)."""
    shared = [line.parcours_id for line in lines if line.facts_shared]
    if not shared:
        return {}
    facts = {}
    for parcours in session.scalars(select(Parcours).where(Parcours.public_id.in_(shared))):
        text = observed_facts(session, parcours)
        if text:
            facts[parcours.public_id] = text
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
            services.set_facts_shared(db.session, parcours, form.shared.data == "1", _actor())
        except services.WorkflowError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Partage des faits observés mis à jour."), "success")
    else:
        flash(_("La demande n'a pas pu être traitée ; rechargez la page et recommencez."), "error")
    return redirect(url_for("eps.agenda") + f"#o-{parcours_id}")
