"""Documents in the browser: new orientation, view/edit a document, save, finalise, correct, start.

Thin: load (child by public id, then an object that belongs to it), authorise, call a service,
commit or roll back, render. Autosave posts the same form with `Accept: application/json`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import UTC
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.authz import Permission, current_user, requires
from app.children.models import Child, Parcours
from app.children.services import load_child, read_identity
from app.db import db
from app.documents import existing_child, queries, services
from app.documents.contract import AVENANT, CONTRACT, contract_to_sign, statement_of
from app.documents.models import DRAFT, FINAL, Document
from app.documents.sealing import NotSealedError, read_sealed_pdf
from app.documents.services import DocumentError, InvalidAnswers, LockedDocument, StaleDocument
from app.formengine import FormDef, form_set
from app.formengine.fields import field_type
from app.formengine.templating import differences
from app.formengine.validation import extract, to_raw
from app.formengine.wtf import build_form
from app.i18n import _
from app.nomenclature import Decision
from app.params import bounded_int
from app.users.models import Programme, User

bp = Blueprint("documents", __name__, url_prefix="/enfants")
FINALISED = _("Document finalisé : il est verrouillé et son PDF signé est enregistré.")


@bp.record_once
def _register_builder(_state: Any) -> None:
    from app.documents.sealing import register_renderable_builder

    register_renderable_builder(services.renderable_for)


def load_document(child_id: str, document_id: str) -> Document | None:
    child = load_child(child_id)
    if child is None:
        return None
    return db.session.scalar(select(Document).where(Document.public_id == document_id, Document.child_id == child.id))


def load_parcours(child_id: str, parcours_id: str, form_id: str) -> Parcours | None:
    child = load_child(child_id)
    if child is None:
        return None
    return db.session.scalar(select(Parcours).where(Parcours.public_id == parcours_id, Parcours.child_id == child.id))


def load_final_document(child_id: str, document_id: str) -> Document | None:
    """The child's document, only once finalised (a draft has no sealed PDF)."""
    document = load_document(child_id, document_id)
    return document if document is not None and document.status == FINAL else None


def pdf_name(document: Document, version: int) -> str:
    """`<pseudonym>-<form>-v<document version>-<id>.pdf`: whose document, which form, which version."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", document.child.pseudonym)
    return f"{safe}-{document.form_id}-v{version}-{document.public_id}.pdf"


def _child_name(document: Document | None) -> str:
    """The child's name, for whoever may open the document (its reading is audited by the route)."""
    if document is None:
        return ""
    identity = read_identity(document.child)
    return f"{identity.prenom} {identity.nom}"


def _actor() -> User:
    user = current_user()
    assert user is not None
    return user


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _edit_rows(form: FormDef, raw: dict[str, Any]) -> bool:
    """Apply the no-JavaScript "Ajouter une ligne" / "Supprimer" buttons to `raw`; True if one was used."""
    added, removed = request.form.get("_add_row"), request.form.get("_remove_row", "")
    group = form.field(added) if added else None
    if group is not None and field_type(group).repeatable:
        raw[group.id] = [*raw.get(group.id, []), {}]
        return True
    group_id, _sep, index = removed.rpartition("-")
    group = form.field(group_id) if group_id else None
    row = bounded_int(index)
    if group is not None and row is not None and row < len(raw.get(group.id, [])):
        del raw[group.id][row]
        return True
    return False


def _render(
    form: FormDef,
    raw: dict[str, Any],
    *,
    document: Document | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
    conflicts: dict[str, str] | None = None,
    lock_version: int | None = None,
) -> ResponseReturnValue:
    for group in (f for f in form.fields() if field_type(f).repeatable):
        if not raw.get(group.id):
            raw[group.id] = [{}]  # one empty row to fill (empty rows are dropped when saved)
    version = lock_version if lock_version is not None else (document.lock_version if document else None)
    wtform = build_form(form, raw, version)
    return render_template(
        "documents/edit.html",
        definition=form,
        forms=form_set(),
        wtform=wtform,
        document=document,
        number=queries.version_number(db.session, document) if document else 1,
        child_name=_child_name(document),
        existing=existing_child.differences(document, form, services.read_answers(document)) if document else [],
        errors=errors or {},
        conflicts=conflicts or {},
        saved_at_ms=int(document.updated_at.replace(tzinfo=UTC).timestamp() * 1000) if document else 0,
    ), status


@bp.route("/nouvelle-orientation", methods=["GET", "POST"])
@requires(Permission.ORIENTATION_CREATE)
def new_orientation() -> ResponseReturnValue:
    form = form_set().latest(services.ORIENTATION)
    if request.method == "GET":
        return _render(form, {})
    raw = extract(form, request.form)
    if _edit_rows(form, raw):
        return _render(form, raw)
    try:
        document = services.start_orientation(db.session, _actor(), raw)
    except InvalidAnswers as error:
        db.session.rollback()
        return _render(form, raw, errors=error.errors, status=422)
    db.session.commit()
    if existing_child.found_existing(document):
        message = _(
            "Dossier existant retrouvé : cette orientation est ajoutée au dossier de %(pseudonym)s. "
            "Vérifiez les différences signalées avant de finaliser."
        )
        flash(message % {"pseudonym": document.child.pseudonym}, "info")
    flash(_("Orientation enregistrée en brouillon. Complétez-la puis finalisez-la."), "success")
    return redirect(url_for(".show", child_id=document.child.public_id, document_id=document.public_id))


@bp.get("/<child_id>/nouvelle-orientation")
@requires(Permission.ORIENTATION_CREATE, load=load_child, audit_read="child.read")
def new_orientation_for(child: Child, child_id: str) -> ResponseReturnValue:
    """A new orientation of a known child (a re-entry): the identity is filled in from the file."""
    form = form_set().latest(services.ORIENTATION)
    identity = read_identity(child)
    known = {
        "nom": identity.nom,
        "prenom": identity.prenom,
        "date_naissance": identity.date_naissance.isoformat(),
        "sexe": identity.sexe,
        "adresse": identity.adresse,
        "ref_famille": identity.ref_famille,
        "responsables": [
            {
                "nom": g.nom,
                "prenom": g.prenom,
                "lien": g.lien,
                "telephone": g.telephone,
                "autorite_parentale": g.autorite_parentale,
            }
            for g in identity.responsables
        ],
    }
    names = {f.id for f in form.fields()}
    return _render(form, to_raw(form, {k: v for k, v in known.items() if k in names and v not in ("", [])}))


@bp.get("/<child_id>/documents/<document_id>")
@requires(Permission.DOCUMENT_VIEW, load=load_document, audit_read="document.read")
def show(document: Document, child_id: str, document_id: str) -> ResponseReturnValue:
    form = services.definition_of(document)
    answers = services.read_answers(document)
    if document.status == DRAFT:
        return _render(form, to_raw(form, answers), document=document)
    return render_template(
        "documents/show.html",
        definition=form,
        forms=form_set(),
        document=document,
        answers=answers,
        statement=_statement(document, form, answers),
        number=queries.version_number(db.session, document),
        child_name=_child_name(document),
        latest=services.latest_version(db.session, document),
    )


def _statement(document: Document, form: FormDef, answers: dict[str, Any]) -> str:
    """An attestation's sentence, as on its PDF."""
    if not form.statement:
        return ""
    identity = read_identity(document.child)
    programme = db.session.get(Programme, document.programme_id)
    name = programme.name if programme else ""
    return statement_of(form, answers, document.parcours, name, f"{identity.prenom} {identity.nom}")


def _refused(error: DocumentError, document: Document, form: FormDef, raw: dict[str, Any]) -> ResponseReturnValue:
    """Roll back and answer: 409 for a conflict (the user's values re-shown with the stored ones), else 422."""
    db.session.rollback()
    db.session.refresh(document)
    if isinstance(error, LockedDocument):
        if _wants_json():
            return jsonify(status="locked", message=str(error)), 409
        flash(str(error), "error")
        return redirect(url_for(".show", child_id=document.child.public_id, document_id=document.public_id)), 303
    if isinstance(error, StaleDocument):
        if _wants_json():
            return jsonify(status="conflict", message=str(error), lock_version=document.lock_version), 409
        flash(str(error), "error")
        conflicts = differences(form, raw, services.read_answers(document))
        return _render(form, raw, document=document, conflicts=conflicts, status=409)
    errors = error.errors if isinstance(error, InvalidAnswers) else {"": [str(error)]}
    if _wants_json():
        return jsonify(status="invalid", message=str(error), errors=errors), 422
    return _render(form, raw, document=document, errors=errors, status=422, lock_version=_submitted_version())


def _submitted_version() -> int | None:
    return bounded_int(request.form.get("lock_version", ""))


@bp.post("/<child_id>/documents/<document_id>/enregistrer")
@requires(Permission.DOCUMENT_EDIT, load=load_document)
def save(document: Document, child_id: str, document_id: str) -> ResponseReturnValue:
    form = services.definition_of(document)
    raw = extract(form, request.form)
    row_edit = _edit_rows(form, raw)
    try:
        services.save_draft(db.session, _actor(), document, raw, request.form.get("lock_version"))
    except DocumentError as error:
        return _refused(error, document, form, raw)
    db.session.commit()
    if _wants_json():
        return jsonify(status="saved", lock_version=document.lock_version, saved_at=document.updated_at.isoformat())
    if row_edit:
        return _render(form, raw, document=document)
    flash(_("Brouillon enregistré."), "success")
    return redirect(url_for(".show", child_id=child_id, document_id=document_id), 303)


@bp.post("/<child_id>/documents/<document_id>/finaliser")
@requires(Permission.DOCUMENT_FINALISE, load=load_document)
def finalise(document: Document, child_id: str, document_id: str) -> ResponseReturnValue:
    form = services.definition_of(document)
    raw = extract(form, request.form)
    if services.finalised_by(document, _actor()):
        # The same finalisation sent twice (a double click): the first one succeeded.
        flash(FINALISED, "success")
        return redirect(url_for(".show", child_id=child_id, document_id=document_id), 303)
    try:
        services.finalise(db.session, _actor(), document, raw, request.form.get("lock_version"))
    except DocumentError as error:
        return _refused(error, document, form, raw)
    db.session.commit()
    flash(FINALISED, "success")
    return redirect(url_for(".show", child_id=child_id, document_id=document_id), 303)


@bp.post("/<child_id>/documents/<document_id>/corriger")
@requires(Permission.DOCUMENT_EDIT, load=load_document)
def correct(document: Document, child_id: str, document_id: str) -> ResponseReturnValue:
    try:
        correction = services.correct(db.session, _actor(), document)
    except DocumentError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".show", child_id=child_id, document_id=document_id), 303)
    db.session.commit()
    flash(_("Correction créée : le document finalisé est conservé, modifiez cette nouvelle version."), "success")
    return redirect(url_for(".show", child_id=child_id, document_id=correction.public_id), 303)


@bp.post("/<child_id>/parcours/<parcours_id>/documents/<form_id>")
@requires(Permission.DOCUMENT_EDIT, load=load_parcours)
def start(parcours: Parcours, child_id: str, parcours_id: str, form_id: str) -> ResponseReturnValue:
    try:
        document = services.start_document(db.session, _actor(), parcours, form_id)
    except DocumentError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("children.show", child_id=child_id), 303)
    db.session.commit()
    return redirect(url_for(".show", child_id=child_id, document_id=document.public_id), 303)


@bp.app_template_global("parcours_documents")
def parcours_documents(child: Child) -> dict[int, dict[str, Any]]:
    """For the child's page: each parcours' documents, and the documents that can be started."""
    lines = queries.documents_of(db.session, child)
    forms = form_set()
    result: dict[int, dict[str, Any]] = {}
    for parcours in child.parcours:
        # Journal entries are listed as the journal (see `parcours_followup`), not as documents.
        documents = [line for line in lines.get(parcours.id, []) if not _is_journal_entry(line.document)]
        present = {line.document.form_id for line in documents}
        # An avenant needs a signed contract; there may be several, one draft at a time.
        finals = {(line.document.form_id, line.document.status) for line in documents}
        present.discard(AVENANT)
        if (CONTRACT, FINAL) not in finals or (AVENANT, DRAFT) in finals:
            present.add(AVENANT)
        startable = [
            (form_id, forms.latest(form_id).title)
            for form_id in services.STARTABLE
            if parcours.decision_eps == Decision.ACCEPTE
            and not parcours.closed_before_entry
            and form_id not in present
            and not services.is_journal(forms.latest(form_id))
        ]
        result[parcours.id] = {"lines": documents, "startable": startable}
    return result


def _is_journal_entry(document: Document) -> bool:
    return services.is_journal(services.definition_of(document))


@bp.app_template_global("contracts_to_sign")
def contracts_to_sign(parcours: Iterable[Any]) -> set[int]:
    """Ids of these parcours (or rows with their `id`) that are accepted, open, and whose contract
    is not signed yet."""
    return contract_to_sign(db.session, [p.id for p in parcours])


@bp.app_template_global("form_title")
def form_title(document: Document) -> str:
    return services.definition_of(document).title


@bp.get("/<child_id>/documents/<document_id>/pdf")
@requires(Permission.DOCUMENT_VIEW, load=load_final_document, audit_read="document.pdf")
def document_pdf(document: Document, child_id: str, document_id: str) -> ResponseReturnValue:
    try:
        pdf = read_sealed_pdf(document)
    except NotSealedError:
        # Only documents finalised outside the forms (imports) lack one; the next archive export seals them.
        title, text = _("PDF pas encore disponible"), _("Le PDF scellé de ce document sera créé au prochain export.")
        return render_template("error.html", title=title, text=text, code=409), 409
    response = send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=pdf_name(document, queries.version_number(db.session, document)),
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
