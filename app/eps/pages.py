"""The séance page: the shared pseudonymised lines, and the coordinator's forms (a failed one kept)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.authz import Permission, policy
from app.db import db
from app.eps import letters, queries, services
from app.eps.forms import AddItemForm, AttendanceForm, DecisionForm, MoveForm, ParticipantsForm
from app.eps.models import AJOURNEE, ORIENTATION, AgendaItem, Seance
from app.users.models import User
from app.workflow import queries as workflow_queries


def decision_form(item: AgendaItem, formdata: MultiDict[str, Any] | None = None) -> DecisionForm:
    # The prefix ends with "-" so that field names are always d-<id>-<field>: WTForms adds no
    # separator after a prefix that ends with "_" or "-", which a public id may do.
    referents = [(str(u.id), u.name) for u in workflow_queries.active_referents(db.session, item.seance.programme_id)]
    return DecisionForm(
        item.kind in (ORIENTATION, AJOURNEE), referents, formdata=formdata, prefix=f"d-{item.public_id}-"
    )


def _coordinator_forms(seance: Seance, items: list[AgendaItem]) -> dict[str, Any]:
    members = queries.eps_members(db.session, seance.programme_id)
    invited = [m.user_id for m in seance.members]
    participants = ParticipantsForm(formdata=None, members=[str(i) for i in invited])
    participants.members.choices = [(str(u.id), u.name) for u in members]
    attendance = AttendanceForm(
        formdata=None,
        presents=[str(m.user_id) for m in seance.members if m.present],
        externes_presents=[str(e.id) for e in seance.externals if e.present],
    )
    names = {u.id: u.name for u in members}
    attendance.presents.choices = [(str(i), names.get(i, "")) for i in invited]
    attendance.externes_presents.choices = [(str(e.id), f"{e.name} ({e.structure})") for e in seance.externals]
    add = AddItemForm(formdata=None)
    add.situation.choices = [
        (
            f"{c.kind}:{c.parcours.public_id}",
            f"{c.parcours.child.pseudonym} — {letters.KIND_LABELS[c.kind]} — {c.since.strftime('%d/%m/%Y')}",
        )
        for c in queries.candidates(db.session, seance.programme_id, months=queries.review_months())
    ]
    return {
        "participants": participants,
        "attendance": attendance,
        "add": add,
        "move": MoveForm(formdata=None),
        "decisions": {i.public_id: decision_form(i) for i in items if i.decision is None},
    }


def render_seance(
    seance: Seance, user: User, failed: tuple[str, DecisionForm] | None = None, status: int = 200
) -> ResponseReturnValue:
    """The séance for its reader: the EPS member sees the pseudonymised agenda and decisions only."""
    items = list(seance.items)
    lines = workflow_queries.agenda_lines(db.session, seance.programme_id, [i.parcours_id for i in items])
    context: dict[str, Any] = {}
    if policy(user, Permission.EPS_SEANCE_MANAGE):
        context = _coordinator_forms(seance, items)
        if failed is not None:
            context["decisions"][failed[0]] = failed[1]
    presentations = {i.public_id: services.presentation_of(i) for i in items}
    return render_template(
        "eps/show.html",
        seance=seance,
        items=items,
        lines=lines,
        presentations=presentations,
        kind_labels=letters.KIND_LABELS,
        outcome_label=letters.outcome_label,
        failed_id=failed[0] if failed else None,
        **context,
    ), status
