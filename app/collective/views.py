"""Collective actions: list and creation, sessions, attendance, attendance sheets (PDF)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import exists, select

from app.authz import Permission, current_user, policy, requires
from app.children.models import Child, Parcours
from app.children.queries import visible_to
from app.children.services import read_identities
from app.collective import services
from app.collective.forms import ActionForm, AttendanceForm, SessionForm
from app.collective.models import CollectiveAction, CollectiveSession
from app.collective.sheet import PUBLIC_LABELS, attendance_sheet
from app.db import db
from app.i18n import _
from app.nomenclature import Decision
from app.users.models import User

bp = Blueprint("collective", __name__, url_prefix="/actions-collectives")


def _actor() -> User:
    user = current_user()
    assert user is not None
    return user


def load_action(action_id: str) -> CollectiveAction | None:
    return db.session.scalar(select(CollectiveAction).where(CollectiveAction.public_id == action_id))


def load_session(session_id: str) -> CollectiveSession | None:
    return db.session.scalar(select(CollectiveSession).where(CollectiveSession.public_id == session_id))


def _flash_errors(form: Any) -> None:
    for errors in form.errors.values():
        flash(" ".join(str(e) for e in errors), "error")


def _done(change: Callable[[], Any], message: str, target: str) -> ResponseReturnValue:
    try:
        change()
    except services.CollectiveError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(target)


@bp.get("")
@requires(Permission.COLLECTIVE_VIEW)
def index() -> ResponseReturnValue:
    actions = list(db.session.scalars(services.visible_actions(_actor())))
    form = ActionForm(formdata=None)
    return render_template("collective/index.html", actions=actions, form=form, publics=PUBLIC_LABELS)


@bp.post("")
@requires(Permission.COLLECTIVE_MANAGE)
def create() -> ResponseReturnValue:
    form = ActionForm()
    if not form.validate_on_submit() or form.starts_on.data is None:
        _flash_errors(form)
        return redirect(url_for("collective.index"))
    fields = services.ActionFields(
        title=form.title.data or "",
        action_code=form.action_code.data or "",
        public=form.public.data or "",
        provider=form.provider.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        capacity=form.capacity.data,
    )
    try:
        action = services.create_action(db.session, _actor(), fields)
    except services.CollectiveError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("collective.index"))
    db.session.commit()
    flash(_("Action créée : ajoutez ses séances."), "success")
    return redirect(url_for("collective.show", action_id=action.public_id))


@bp.get("/<action_id>")
@requires(Permission.COLLECTIVE_VIEW, load=load_action, audit_read="collective.action.read")
def show(action: CollectiveAction, action_id: str) -> ResponseReturnValue:
    return render_template(
        "collective/show.html", action=action, form=SessionForm(formdata=None), publics=PUBLIC_LABELS
    )


@bp.post("/<action_id>/seances")
@requires(Permission.COLLECTIVE_MANAGE, load=load_action)
def add_session(action: CollectiveAction, action_id: str) -> ResponseReturnValue:
    form = SessionForm()
    target = url_for("collective.show", action_id=action.public_id)
    if not form.validate_on_submit() or form.held_on.data is None:
        _flash_errors(form)
        return redirect(target)
    held_on = form.held_on.data
    return _done(
        lambda: services.add_session(db.session, _actor(), action, held_on, form.place.data or ""),
        _("Séance ajoutée : enregistrez les présences."),
        target,
    )


def _choices(user: User, item: CollectiveSession) -> tuple[list[tuple[str, str]], list[str], int]:
    """Children the user may tick (followed now, or already recorded), names audited; the ticked
    ones; and how many recorded children the user may not see."""
    present = services.attendees(db.session, item)
    visible_present = [c for c in present if policy(user, Permission.CHILD_VIEW, c)]
    ongoing = exists().where(
        Parcours.child_id == Child.id, Parcours.decision_eps == Decision.ACCEPTE, Parcours.date_sortie.is_(None)
    )
    followed = list(db.session.scalars(visible_to(user).where(ongoing)))
    children = {c.id: c for c in [*followed, *visible_present]}
    identities = read_identities(db.session, user, children.values(), "collective.attendance.choices")
    db.session.commit()
    labels = []
    for child in children.values():
        identity = identities[child.id]
        name = f"{identity.nom} {identity.prenom}" if identity else child.pseudonym
        labels.append((child.public_id, name))
    labels.sort(key=lambda pair: pair[1].casefold())
    return labels, [c.public_id for c in visible_present], len(present) - len(visible_present)


@bp.get("/seances/<session_id>")
@requires(Permission.COLLECTIVE_VIEW, load=load_session, audit_read="collective.session.read")
def session_page(item: CollectiveSession, session_id: str) -> ResponseReturnValue:
    user = _actor()
    labels, ticked, hidden = _choices(user, item)
    form = AttendanceForm(formdata=None, other_children=item.other_children, parents=item.parents)
    form.children.choices = labels
    form.children.data = ticked
    return render_template("collective/session.html", item=item, form=form, hidden=hidden)


@bp.post("/seances/<session_id>/presences")
@requires(Permission.COLLECTIVE_MANAGE, load=load_session)
def attendance(item: CollectiveSession, session_id: str) -> ResponseReturnValue:
    form = AttendanceForm()
    form.children.choices = [(value, value) for value in request.form.getlist("children")]
    target = url_for("collective.session_page", session_id=item.public_id)
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(target)
    return _done(
        lambda: services.record_attendance(
            db.session, _actor(), item, form.children.data or [], form.other_children.data or 0, form.parents.data or 0
        ),
        _("Présences enregistrées."),
        target,
    )


@bp.get("/seances/<session_id>/emargement.pdf")
@requires(Permission.COLLECTIVE_VIEW, load=load_session, audit_read="collective.sheet.export")
def sheet(item: CollectiveSession, session_id: str) -> ResponseReturnValue:
    user = _actor()
    names: list[str] | None = None
    hidden = 0
    if request.args.get("rempli") == "1":
        present = services.attendees(db.session, item)
        visible = [c for c in present if policy(user, Permission.CHILD_VIEW, c)]
        identities = read_identities(db.session, user, visible, "collective.sheet.names")
        db.session.commit()
        names = [f"{i.nom} {i.prenom}" if (i := identities[c.id]) else c.pseudonym for c in visible]
        hidden = len(present) - len(visible)
    body = attendance_sheet(user.programme, item, names, hidden)
    response = Response(body, mimetype="application/pdf")
    kind = "remplie" if names is not None else "vierge"
    response.headers["Content-Disposition"] = f'attachment; filename="emargement-{item.held_on.isoformat()}-{kind}.pdf"'
    return response


@bp.app_template_global()
def collective_of_child(child: Any) -> list[tuple[CollectiveAction, int, bool]]:
    """For the child's page: the collective actions attended, the number of sessions attended, and
    whether the reader may open the action."""
    user = _actor()
    return [
        (action, sessions, policy(user, Permission.COLLECTIVE_VIEW, action))
        for action, sessions in services.actions_of_child(db.session, child)
    ]
