"""Séances of the EPS: preparation, the pseudonymised agenda, decisions, relevé; charter; letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import bindparam, select

from app.authz import Permission, current_user, policy, requires
from app.children.models import Parcours
from app.db import db
from app.eps import charter as eps_texts
from app.eps import letters, pages, queries, services
from app.eps.forms import (
    AddItemForm,
    AttendanceForm,
    CharterForm,
    MoveForm,
    ParticipantsForm,
    PresentationForm,
    ReviewRequestForm,
    SeanceForm,
    TextForm,
)
from app.eps.models import CHARTE, TEXT_KINDS, AgendaItem, Letter, Seance
from app.i18n import _
from app.users.models import User
from app.workflow import queries as workflow_queries

bp = Blueprint("seances", __name__, url_prefix="/eps")
NOT_SAVED = _("La demande n'a pas pu être traitée ; rechargez la page et recommencez.")


def _actor() -> User:
    user = current_user()
    assert user is not None
    return user


def load_seance(seance_id: str) -> Seance | None:
    return db.session.scalar(select(Seance).where(Seance.public_id == seance_id))


def load_item(item_id: str) -> AgendaItem | None:
    return db.session.scalar(select(AgendaItem).where(AgendaItem.public_id == item_id))


def load_letter(letter_id: str) -> Letter | None:
    return db.session.scalar(select(Letter).where(Letter.public_id == letter_id))


def load_parcours(parcours_id: str) -> Parcours | None:
    return db.session.scalar(select(Parcours).where(Parcours.public_id == parcours_id))


def _done(action: Any, message: str, target: str) -> ResponseReturnValue:
    """Run a service call; commit and flash `message`, or roll back and flash the French error."""
    try:
        action()
    except services.EpsError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(target)


def _seance_url(seance: Seance, anchor: str = "") -> str:
    return url_for("seances.show", seance_id=seance.public_id) + (f"#{anchor}" if anchor else "")


@bp.get("/seances")
@requires(Permission.EPS_SEANCE_VIEW)
def index() -> ResponseReturnValue:
    user = _actor()
    charter_ok = (
        not policy(user, Permission.EPS_CHARTER) or eps_texts.accepted_current_charter(db.session, user) is not None
    )
    form = SeanceForm(formdata=None) if policy(user, Permission.EPS_SEANCE_MANAGE) else None
    return render_template(
        "eps/index.html", seances=queries.visible_seances(db.session, user), form=form, charter_ok=charter_ok
    )


@bp.post("/seances")
@requires(Permission.EPS_SEANCE_MANAGE)
def create() -> ResponseReturnValue:
    form = SeanceForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return redirect(url_for("seances.index"))
    assert form.day.data is not None and form.hour.data is not None
    starts_at = datetime.combine(form.day.data, form.hour.data)
    seance = services.schedule(db.session, _actor(), starts_at, form.lieu.data or "")
    db.session.commit()
    flash(_("Séance programmée : préparez son ordre du jour."), "success")
    return redirect(_seance_url(seance))


@bp.get("/seances/<seance_id>")
@requires(Permission.EPS_SEANCE_VIEW, load=load_seance, audit_read="eps.seance.read")
def show(seance: Seance, seance_id: str) -> ResponseReturnValue:
    return pages.render_seance(seance, _actor())


@bp.post("/seances/<seance_id>/participants")
@requires(Permission.EPS_SEANCE_MANAGE, load=load_seance)
def participants(seance: Seance, seance_id: str) -> ResponseReturnValue:
    form = ParticipantsForm()
    form.members.choices = [(str(u.id), u.name) for u in queries.eps_members(db.session, seance.programme_id)]
    if not form.validate_on_submit():
        flash(NOT_SAVED, "error")
        return redirect(_seance_url(seance, "participants"))
    externals = []
    for line in (form.externals.data or "").splitlines():
        if line.strip():
            name, _sep, structure = line.partition(";")
            externals.append((name, structure))
    ids = [int(i) for i in form.members.data or []]
    return _done(
        lambda: services.set_participants(db.session, _actor(), seance, ids, externals),
        _("Participants enregistrés."),
        _seance_url(seance, "participants"),
    )


@bp.post("/seances/<seance_id>/ordre-du-jour")
@requires(Permission.EPS_SEANCE_MANAGE, load=load_seance)
def add_item(seance: Seance, seance_id: str) -> ResponseReturnValue:
    form = AddItemForm()
    form.situation.choices = [
        (f"{c.kind}:{c.parcours.public_id}", "")
        for c in queries.candidates(db.session, seance.programme_id, months=queries.review_months())
    ]
    if not form.validate_on_submit():
        flash(_("Choisissez une situation de la liste."), "error")
        return redirect(_seance_url(seance, "ajout"))
    kind, _sep, parcours_id = (form.situation.data or "").partition(":")
    parcours = load_parcours(parcours_id)
    assert parcours is not None
    return _done(
        lambda: services.add_item(db.session, _actor(), seance, parcours, kind),
        _("Situation inscrite à l'ordre du jour."),
        _seance_url(seance, "ordre-du-jour"),
    )


@bp.post("/situations/<item_id>/deplacer")
@requires(Permission.EPS_SEANCE_MANAGE, load=load_item)
def move(item: AgendaItem, item_id: str) -> ResponseReturnValue:
    form = MoveForm()
    if not form.validate_on_submit():
        flash(NOT_SAVED, "error")
        return redirect(_seance_url(item.seance, "ordre-du-jour"))
    return _done(
        lambda: services.move_item(db.session, _actor(), item, int(form.direction.data or 0)),
        _("Ordre du jour réordonné."),
        _seance_url(item.seance, f"s-{item.public_id}"),
    )


@bp.post("/situations/<item_id>/retirer")
@requires(Permission.EPS_SEANCE_MANAGE, load=load_item)
def remove(item: AgendaItem, item_id: str) -> ResponseReturnValue:
    seance = item.seance
    return _done(
        lambda: services.remove_item(db.session, _actor(), item),
        _("Situation retirée de l'ordre du jour."),
        _seance_url(seance, "ordre-du-jour"),
    )


@bp.post("/situations/<item_id>/decision")
@requires(Permission.EPS_SEANCE_MANAGE, load=load_item)
def decide(item: AgendaItem, item_id: str) -> ResponseReturnValue:
    form = pages.decision_form(item, formdata=request.form)
    if form.validate_on_submit():
        assert form.decided_on.data is not None
        try:
            services.decide(
                db.session,
                _actor(),
                item,
                form.outcome.data or "",
                form.decided_on.data,
                reorientation=form.reorientation.data or None,
                manque=form.manque.data or None,
                preconisations=form.preconisations.data,
                note=form.note.data or "",
                referent_id=int(form.referent_id.data) if form.referent_id.data else None,
                date_entree=form.date_entree.data,
            )
        except services.EpsError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Décision enregistrée pour %(pseudonym)s.") % {"pseudonym": item.child.pseudonym}, "success")
            return redirect(_seance_url(item.seance, f"s-{item.public_id}"))
    return pages.render_seance(item.seance, _actor(), (item.public_id, form), 422)


@bp.post("/seances/<seance_id>/presences")
@requires(Permission.EPS_SEANCE_MANAGE, load=load_seance)
def attendance(seance: Seance, seance_id: str) -> ResponseReturnValue:
    form = AttendanceForm()
    form.presents.choices = [(str(m.user_id), "") for m in seance.members]
    form.externes_presents.choices = [(str(e.id), "") for e in seance.externals]
    if not form.validate_on_submit():
        flash(NOT_SAVED, "error")
        return redirect(_seance_url(seance, "presences"))
    members = {int(i) for i in form.presents.data or []}
    externals = {int(i) for i in form.externes_presents.data or []}
    return _done(
        lambda: services.record_attendance(db.session, _actor(), seance, members, externals),
        _("Présences enregistrées."),
        _seance_url(seance, "presences"),
    )


@bp.post("/seances/<seance_id>/cloture")
@requires(Permission.EPS_SEANCE_MANAGE, load=load_seance)
def close(seance: Seance, seance_id: str) -> ResponseReturnValue:
    return _done(
        lambda: services.close(db.session, _actor(), seance),
        _("Séance close : le relevé de décisions est scellé."),
        _seance_url(seance),
    )


@bp.get("/seances/<seance_id>/releve.pdf")
@requires(Permission.EPS_SEANCE_VIEW, load=load_seance, audit_read="eps.releve.download")
def releve(seance: Seance, seance_id: str) -> ResponseReturnValue:
    if seance.releve_pdf is None:
        flash(_("Le relevé de décisions est produit à la clôture de la séance."), "error")
        return redirect(_seance_url(seance))
    name = f"releve-eps-{seance.starts_at:%Y-%m-%d}.pdf"
    return Response(
        seance.releve_pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/situations/<item_id>/presentation", methods=["GET", "POST"])
@requires(Permission.EPS_PRESENTATION, load=load_item, audit_read="eps.presentation.read")
def presentation(item: AgendaItem, item_id: str) -> ResponseReturnValue:
    form = PresentationForm(data={"presentation": services.presentation_of(item)} if request.method == "GET" else None)
    warning: list[str] = []
    if form.validate_on_submit():
        text = form.presentation.data or ""
        warning = services.names_in(text, item)
        if not warning or form.confirm_names.data:
            return _done(
                lambda: services.set_presentation(db.session, _actor(), item, text),
                _("Présentation enregistrée."),
                url_for("children.show", child_id=item.child.public_id),
            )
    line = workflow_queries.agenda_lines(db.session, item.parcours.programme_id, [item.parcours_id])[item.parcours_id]
    status = 422 if request.method == "POST" else 200
    return render_template("eps/presentation.html", item=item, line=line, form=form, warning=warning), status


@bp.route("/charte", methods=["GET", "POST"])
@requires(Permission.EPS_CHARTER)
def charter() -> ResponseReturnValue:
    user = _actor()
    version, body = eps_texts.text_body(db.session, user.programme_id, CHARTE)
    form = CharterForm(data={"version": str(max(version, 1))} if request.method == "GET" else None)
    if form.validate_on_submit():
        return _done(
            lambda: eps_texts.accept_charter(db.session, user, int(form.version.data or 0)),
            _("Charte acceptée : vous voyez maintenant les séances auxquelles vous êtes invité·e."),
            url_for("seances.index"),
        )
    accepted = eps_texts.accepted_current_charter(db.session, user)
    return render_template("eps/charter.html", body=body, version=max(version, 1), form=form, accepted=accepted)


@bp.route("/textes", methods=["GET", "POST"])
@requires(Permission.EPS_SEANCE_MANAGE)
def texts() -> ResponseReturnValue:
    user = _actor()
    if request.method == "POST":
        kind = next((k for k in TEXT_KINDS if f"{k}-body" in request.form), "")
        form = TextForm(prefix=kind)
        if not kind or not form.validate_on_submit():
            flash(NOT_SAVED, "error")
            return redirect(url_for("seances.texts"))
        return _done(
            lambda: eps_texts.save_text(db.session, user, form.kind.data or "", form.body.data or ""),
            _("Nouvelle version enregistrée."),
            url_for("seances.texts"),
        )
    forms = {}
    for kind in TEXT_KINDS:
        version, body = eps_texts.text_body(db.session, user.programme_id, kind)
        forms[kind] = (version, TextForm(formdata=None, data={"kind": kind, "body": body}, prefix=kind))
    return render_template("eps/texts.html", forms=forms)


@bp.get("/courriers/<letter_id>.pdf")
@requires(Permission.DOCUMENT_VIEW, load=load_letter, audit_read="eps.letter.download")
def letter(letter: Letter, letter_id: str) -> ResponseReturnValue:
    name = f"{letter.kind}-{letter.child.pseudonym}-{letter.created_at:%Y-%m-%d}.pdf"
    return Response(
        letters.read_letter(letter),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/parcours/<parcours_id>/revue")
@requires(Permission.EPS_PRESENTATION, load=load_parcours)
def request_review(parcours: Parcours, parcours_id: str) -> ResponseReturnValue:
    form = ReviewRequestForm()
    target = url_for("children.show", child_id=parcours.child.public_id)
    if not form.validate_on_submit():
        flash(NOT_SAVED, "error")
        return redirect(target)
    return _done(
        lambda: services.request_review(db.session, _actor(), parcours, form.kind.data or ""),
        _("Demande enregistrée : la situation sera proposée à une prochaine séance de l'EPS."),
        target,
    )


# Built once: the child's page reads it at every view.
ITEMS_OF_CHILD = (
    select(AgendaItem)
    .join(Seance, AgendaItem.seance_id == Seance.id)
    .join(Parcours, AgendaItem.parcours_id == Parcours.id)
    .where(Parcours.child_id == bindparam("child_id"))
    .order_by(Seance.starts_at.desc())
)


@bp.app_template_global()
def eps_of_child(child: Any) -> dict[str, Any]:
    """For the child's page: letters and EPS decisions with their préconisations (with the séance items
    a référent can present)."""
    session = db.session
    items = list(session.scalars(ITEMS_OF_CHILD, {"child_id": child.id}))
    return {
        "letters": letters.letters_of(session, child.id),
        "items": items,
        "outcome_label": letters.outcome_label,
        "note_of": services.note_of,
        "review_form": ReviewRequestForm(formdata=None),
    }
