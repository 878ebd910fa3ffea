"""The actions page of a parcours: list, add, update (status, dates...) without signing anything.

Thin: load the parcours of the child, authorise, call a service, commit or roll back, render.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.audit import services as audit
from app.authz import Permission, current_user, requires
from app.children.models import Parcours
from app.children.services import load_child
from app.db import db
from app.followup import services
from app.followup.models import MODALITE_LABELS, STATUS_LABELS, ParcoursAction
from app.followup.queries import journal_of, kind_label, last_reviews
from app.followup.services import ActionError
from app.i18n import _
from app.nomenclature import Decision, nomenclature

bp = Blueprint("followup", __name__, url_prefix="/enfants")

FIELDS = ("code", "status", "modalite", "debut", "fin", "intervenant", "cout", "financeur")


def load_parcours(child_id: str, parcours_id: str) -> Parcours | None:
    child = load_child(child_id)
    if child is None:
        return None
    return db.session.scalar(select(Parcours).where(Parcours.public_id == parcours_id, Parcours.child_id == child.id))


def _page(
    parcours: Parcours, errors: dict[str, str] | None = None, editing: str = "", status: int = 200
) -> ResponseReturnValue:
    actions = services.actions_of(db.session, parcours)
    rows = [(action, services.details(action)) for action in actions]
    stored = {action.public_id: _stored_values(action, detail) for action, detail in rows}
    typed = {name: request.form.get(name, "") for name in FIELDS} if errors else {}
    return render_template(
        "followup/actions.html",
        parcours=parcours,
        child=parcours.child,
        rows=rows,
        stored=stored,
        errors=errors or {},
        typed=typed,
        editing=editing,
        status_labels=STATUS_LABELS,
        modalite_labels=MODALITE_LABELS,
        action_codes=nomenclature().codes("action"),
    ), status


def _stored_values(action: ParcoursAction, detail: dict[str, str]) -> dict[str, str]:
    dates = {name: day.isoformat() if day else "" for name, day in (("debut", action.debut), ("fin", action.fin))}
    return {"code": action.code, "status": action.status.value, "modalite": action.modalite, **dates, **detail}


@bp.get("/<child_id>/parcours/<parcours_id>/actions")
@requires(Permission.DOCUMENT_VIEW, load=load_parcours, audit_read="parcours.actions.read")
def actions(parcours: Parcours, child_id: str, parcours_id: str) -> ResponseReturnValue:
    return _page(parcours)


@bp.post("/<child_id>/parcours/<parcours_id>/actions")
@requires(Permission.DOCUMENT_EDIT, load=load_parcours)
def save(parcours: Parcours, child_id: str, parcours_id: str) -> ResponseReturnValue:
    """A new action (no `action` in the form) or an update of one of this parcours' actions."""
    user = current_user()
    assert user is not None
    action_id = request.form.get("action", "")
    action = None
    if action_id:
        action = db.session.scalar(
            select(ParcoursAction).where(
                ParcoursAction.public_id == action_id, ParcoursAction.parcours_id == parcours.id
            )
        )
        if action is None:
            flash(_("Cette action n'existe pas ou n'appartient pas à ce parcours."), "error")
            return redirect(url_for(".actions", child_id=child_id, parcours_id=parcours_id), 303)
    raw = {name: request.form.get(name, "") for name in FIELDS}
    try:
        services.save_action(db.session, user, parcours, services.parse(raw), action)
    except ActionError as error:
        db.session.rollback()
        audit.record_for(db.session, "parcours.actions.read", parcours, actor_id=user.id)  # the page shows them again
        db.session.commit()
        return _page(parcours, error.errors, action_id, 422)
    db.session.commit()
    flash(_("Action mise à jour.") if action_id else _("Action ajoutée."), "success")
    return redirect(url_for(".actions", child_id=child_id, parcours_id=parcours_id), 303)


@bp.app_template_global("parcours_followup")
def parcours_followup(parcours: Parcours) -> dict[str, Any]:
    """For the child's page: the journal of the parcours (newest first) and its actions (clear columns)."""
    return {
        "journal": journal_of(db.session, parcours.id),
        "actions": services.actions_of(db.session, parcours),
        "status_labels": STATUS_LABELS,
        "kind_label": kind_label,
    }


@bp.app_template_global("last_reviews_of")
def last_reviews_of(latest: Mapping[int, Any]) -> dict[int, date]:
    """For the caseload: each child's « dernier bilan », the last journal entry of their ongoing
    parcours (`latest`: child id -> its latest parcours, a row with its id, decision and exit date)."""
    ongoing = {
        p.id: child_id for child_id, p in latest.items() if p.decision_eps == Decision.ACCEPTE and p.date_sortie is None
    }
    return {ongoing[parcours_id]: day for parcours_id, day in last_reviews(db.session, ongoing).items()}
