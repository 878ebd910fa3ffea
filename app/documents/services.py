"""The life of a document: draft, save, finalise (locked, clear columns written, sealed), correct.

Functions change rows, flush and audit in the caller's transaction; the view commits, or rolls
back on `DocumentError`, so that a refused post leaves the database exactly as it was.
Answers are stored encrypted with the child's key; only nomenclature codes and dates reach the
clear columns of `Parcours`, at finalisation.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.audit import services as audit
from app.children.models import Child, Parcours
from app.children.services import (
    child_for_orientation,
    cipher_for,
    read_identity,
    record_family_contact,
    write_identity,
)
from app.dates import format_date
from app.db import new_public_id, utcnow
from app.documents import contract
from app.documents.clear_values import (
    IDENTITY_FIELDS,
    codes_of,
    fed_date,
    identity_from,
    single_code,
    write_codes,
    write_journal_entry,
)
from app.documents.family_contact import family_contact
from app.documents.models import DRAFT, FINAL, Document, DocumentContent, JournalEntry
from app.formengine import FormDef, form_set
from app.formengine.validation import Outcome, validate
from app.i18n import _
from app.nomenclature import Decision
from app.parcours.services import WorkflowError, close_parcours, require_accepted
from app.users.models import Programme, User

if TYPE_CHECKING:
    from app.documents.rendering import RenderableDocument

TABLE = "document_contents"
ORIENTATION = "orientation"
STARTABLE = ("contrat", "suivi", "fin_prise_en_charge", "sortie_evaluation", "avenant")


class DocumentError(ValueError):
    """The change was refused; `str(error)` is a French message for the user."""


class InvalidAnswers(DocumentError):
    def __init__(self, errors: dict[str, list[str]], message: str | None = None) -> None:
        self.errors = errors
        super().__init__(message or _("Le formulaire contient des erreurs : corrigez les champs signalés."))


class StaleDocument(DocumentError):
    """Someone saved the document since this version was read (HTTP 409)."""


class LockedDocument(DocumentError):
    """The document is finalised: only a correction can change it (HTTP 409)."""


STALE_MESSAGE = _(
    "Quelqu'un a enregistré ce document pendant que vous le modifiiez. Vos saisies sont affichées "
    "ci-dessous et n'ont pas été enregistrées ; la version enregistrée est indiquée sous chaque champ "
    "qui diffère. Enregistrez à nouveau pour garder vos saisies."
)


def definition_of(document: Document) -> FormDef:
    """The form version the document was created with (never a newer one)."""
    return form_set().get(document.form_id, document.form_version)


def read_answers(document: Document) -> dict[str, Any]:
    if document.content is None:
        return {}
    content = document.content
    answers: dict[str, Any] = cipher_for(document.child).decrypt_json(
        TABLE, document.id, "answers", content.answers, write=content.answers_writes or 0
    )
    return answers


def _store(document: Document, child: Child, answers: dict[str, Any]) -> None:
    content = document.content or DocumentContent(document_id=document.id, answers_writes=0)
    content.answers_writes = (content.answers_writes or 0) + 1
    content.answers = cipher_for(child).encrypt_json(
        TABLE, document.id, "answers", answers, write=content.answers_writes
    )
    document.content = content


def _audit(session: Session, action: str, actor: User | None, document: Document) -> None:
    audit.record_for(session, action, document, actor_id=actor.id if actor else None)


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError as error:
        raise StaleDocument(STALE_MESSAGE) from error


def _new_document(
    session: Session,
    actor: User | None,
    parcours: Parcours,
    form: FormDef,
    answers: dict[str, Any],
    previous: Document | None = None,
    amends: Document | None = None,
) -> Document:
    document = Document(
        public_id=new_public_id(),
        programme_id=parcours.programme_id,
        child_id=parcours.child_id,
        parcours_id=parcours.id,
        form_id=form.form_id,
        form_version=form.version,
        form_hash=form.sha256,
        status=DRAFT,
        previous_id=previous.id if previous else None,
        amends_id=amends.id if amends else None,
        created_by=actor.id if actor else None,
    )
    session.add(document)
    session.flush()
    _store(document, parcours.child, answers)
    session.flush()
    _audit(session, "document.correct" if previous else "document.create", actor, document)
    return document


# --- orientation: creates the child, or a new parcours of a known child -----------------------


def _creation_errors(form: FormDef, outcome: Outcome) -> None:
    """An orientation is recorded only with an identity, a referrer, a date and the family's agreement."""
    needed = [*IDENTITY_FIELDS]
    needed += [f.id for group, f in form.fields_with_dimension("orienteur") if group is None]
    date_field = form.field_feeding("date_orientation")
    needed += [date_field.id] if date_field else []
    for field_id in needed:
        if field_id not in outcome.answers and field_id not in outcome.errors:
            outcome.add(field_id, _("Nécessaire pour enregistrer l'orientation."))
    if outcome.answers.get("famille_accord") is not True and "famille_accord" not in outcome.errors:
        outcome.add("famille_accord", _("L'accord de la famille est nécessaire pour enregistrer l'orientation."))


def start_orientation(session: Session, actor: User, raw: dict[str, Any]) -> Document:
    """Record a fiche d'orientation as a draft: a new child, or a new parcours of a known one."""
    form = form_set().latest(ORIENTATION)
    outcome = validate(form, raw, final=False)
    _creation_errors(form, outcome)
    if not outcome.ok:
        raise InvalidAnswers(outcome.errors)
    answers = outcome.answers
    # The orientation is made with the family's agreement: its date (or today) is a contact.
    agreed = family_contact(form, answers) or date.today()
    child = child_for_orientation(session, actor, identity_from(answers), agreed)
    record_family_contact(child, agreed)
    _has, orienteur = single_code(form, answers, "orienteur")
    oriented = fed_date(form, answers, "date_orientation")
    assert orienteur and oriented
    parcours = Parcours(
        public_id=new_public_id(),
        programme_id=child.programme_id,
        child_id=child.id,
        date_orientation=oriented,
        orienteur=orienteur,
        decision_eps=Decision.EN_ATTENTE,
    )
    session.add(parcours)
    session.flush()
    write_codes(parcours, form, answers)
    audit.record_for(session, "parcours.create", parcours, actor_id=actor.id)
    return _new_document(session, actor, parcours, form, answers)


# --- other documents -----------------------------------------------------------------------


def current_document(session: Session, parcours: Parcours, form_id: str) -> Document | None:
    """The latest version (corrections included) of a form on a parcours."""
    return session.scalar(
        select(Document)
        .where(Document.parcours_id == parcours.id, Document.form_id == form_id)
        .order_by(Document.id.desc())
        .limit(1)
    )


def _prefill(session: Session, parcours: Parcours, form: FormDef) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    entree = form.field_feeding("date_entree")
    if entree and parcours.date_entree:
        answers[entree.id] = parcours.date_entree.isoformat()
    group = form.field("evaluations")
    objectives = contract.contract_objectives(session, parcours, read_answers) if group else []
    suivi = current_document(session, parcours, "suivi")
    if group and not objectives and suivi is not None:
        objectives = [row.get("objectif") for row in read_answers(suivi).get("objectifs", [])]
    if group and objectives:
        answers[group.id] = [{"objectif": objective} for objective in objectives if objective]
    return answers


def start_document(session: Session, actor: User, parcours: Parcours, form_id: str) -> Document:
    """The draft of a follow-up, end or exit document (the existing one if already started)."""
    if form_id not in STARTABLE:
        raise DocumentError(_("Ce type de document ne peut pas être créé ici."))
    try:
        require_accepted(parcours)
    except WorkflowError as error:
        raise DocumentError(str(error)) from error
    form = form_set().latest(form_id)
    existing = current_document(session, parcours, form_id)
    if is_journal(form) and existing is not None and (existing.status != DRAFT or read_answers(existing)):
        existing = None  # a journal has many entries: a new one unless the latest is an untouched draft
    if form_id == contract.AVENANT:
        signed = contract.signed_contract(session, parcours)
        if signed is None:
            raise DocumentError(_("Un avenant modifie un contrat signé : finalisez d'abord le contrat."))
        if existing is not None and existing.status == DRAFT:
            return existing
        amends = contract.first_version(session, signed)
        return _new_document(session, actor, parcours, form, {}, amends=amends)
    if existing is not None:
        return existing
    return _new_document(session, actor, parcours, form, _prefill(session, parcours, form))


def is_journal(form: FormDef) -> bool:
    """A form whose documents are journal entries (several per parcours, each finalised on its own)."""
    return form.field_feeding("date_journal") is not None


def _check_editable(document: Document, lock_version: Any) -> None:
    if document.status != DRAFT:
        raise LockedDocument(_("Ce document est finalisé : il ne peut plus être modifié. Créez une correction."))
    if str(lock_version) != str(document.lock_version):
        raise StaleDocument(STALE_MESSAGE)


def save_draft(
    session: Session, actor: User, document: Document, raw: dict[str, Any], lock_version: Any
) -> dict[str, Any]:
    """Save what was typed (required fields may be missing, malformed values may not)."""
    _check_editable(document, lock_version)
    outcome = validate(definition_of(document), raw, final=False, previous=read_answers(document))
    if not outcome.ok:
        raise InvalidAnswers(outcome.errors)
    _store(document, document.child, outcome.answers)
    document.updated_at = utcnow()
    _flush(session)
    _audit(session, "document.save", actor, document)
    return outcome.answers


def _fin_errors(form: FormDef, parcours: Parcours, answers: dict[str, Any]) -> dict[str, list[str]]:
    entree_field = form.field_feeding("date_entree")
    entree = fed_date(form, answers, "date_entree")
    if entree_field and entree and parcours.date_entree and entree != parcours.date_entree:
        known = format_date(parcours.date_entree)
        return {entree_field.id: [_("Ne correspond pas à la date d'entrée du parcours (%(date)s).") % {"date": known}]}
    return {}


def _write_clear_values(
    session: Session, actor: User, document: Document, form: FormDef, answers: dict[str, Any]
) -> None:
    parcours = document.parcours
    write_codes(parcours, form, answers)
    entry = write_journal_entry(document, form, answers)
    if entry is not None:
        if document.previous_id is not None:
            session.execute(delete(JournalEntry).where(JournalEntry.document_id == document.previous_id))
        session.add(entry)
    if form.form_id == ORIENTATION:
        child = document.child
        write_identity(session, child, identity_from(answers, read_identity(child).ref_enfant))
    if form.form_id in (contract.CONTRACT, contract.AVENANT):
        try:
            contract.apply_contract(session, document, form, answers)
        except WorkflowError as error:
            raise InvalidAnswers({"": [str(error)]}, str(error)) from error
    if form.form_id == contract.EXIT_EVALUATION:
        contract.record_exit_evaluation(session, document, form, answers)
    sortie = fed_date(form, answers, "date_sortie")
    if sortie is not None:
        motif = single_code(form, answers, "motif_sortie")[1]
        entree = fed_date(form, answers, "date_entree") if parcours.date_entree is None else None
        try:
            close_parcours(session, parcours, sortie, motif or "", actor, date_entree=entree)
        except WorkflowError as error:
            field = form.field_feeding("date_sortie")
            raise InvalidAnswers({field.id if field else "": [str(error)]}, str(error)) from error


def finalise(session: Session, actor: User, document: Document, raw: dict[str, Any], lock_version: Any) -> Document:
    """Validate everything, lock the document, write its clear values, seal its PDF."""
    _check_editable(document, lock_version)
    form = definition_of(document)
    outcome = validate(form, raw, final=True, previous=read_answers(document))
    if form.form_id == ORIENTATION and outcome.answers.get("famille_accord") is False:
        outcome.add("famille_accord", _("L'accord de la famille est nécessaire pour finaliser l'orientation."))
    more = _fin_errors(form, document.parcours, outcome.answers) | contract.contract_errors(form, outcome.answers)
    for name, messages in more.items():
        outcome.errors.setdefault(name, []).extend(messages)
    if not outcome.ok:
        raise InvalidAnswers(outcome.errors)
    _store(document, document.child, outcome.answers)
    document.status = FINAL
    document.finalised_at = document.updated_at = utcnow()
    document.finalised_by = actor.id
    _write_clear_values(session, actor, document, form, outcome.answers)
    contact = family_contact(form, outcome.answers)
    if contact is not None:
        record_family_contact(document.child, contact)
    _flush(session)
    _audit(session, "document.finalise", actor, document)
    _seal(session, document)
    return document


def _seal(session: Session, document: Document) -> None:
    from app.documents.sealing import seal_finalised

    seal_finalised(session, document, renderable_for(session, document))


def correct(session: Session, actor: User, document: Document) -> Document:
    """A new draft version of a finalised document, linked to it; the finalised one is kept."""
    if document.status != FINAL:
        raise DocumentError(_("Seul un document finalisé peut être corrigé."))
    successor = session.scalar(select(Document).where(Document.previous_id == document.id).limit(1))
    if successor is not None:
        if successor.status == DRAFT:
            return successor
        raise DocumentError(_("Une version plus récente de ce document existe : corrigez la dernière version."))
    # Signatures are never carried onto content their signers have not seen: the correction
    # starts unsigned and is signed again before it is finalised.
    form = definition_of(document)
    answers = contract.unsigned(form, read_answers(document))
    correction = _new_document(session, actor, document.parcours, form, answers, previous=document)
    correction.amends_id = document.amends_id
    return correction


def latest_version(session: Session, document: Document) -> Document:
    """The newest correction of `document` (itself when never corrected)."""
    latest = document
    while (following := session.scalar(select(Document).where(Document.previous_id == latest.id))) is not None:
        latest = following
    return latest


def codes_of_document(document: Document, dimension: str) -> list[str]:
    """The nomenclature codes of `dimension` a document holds (decrypted: the caller audits the read)."""
    return codes_of(definition_of(document), read_answers(document), dimension) or []


def renderable_for(session: Session, document: Document) -> RenderableDocument:
    """What the PDF of a document shows (also registered for the archive's late sealing)."""
    from app.documents.renderable import build_renderable  # the PDF library only when a PDF is made

    programme = session.get(Programme, document.programme_id)
    identity = read_identity(document.child)
    child_name = f"{identity.prenom} {identity.nom}"
    form, answers = definition_of(document), read_answers(document)
    programme_name = programme.name if programme else ""
    return build_renderable(
        form_set(),
        form,
        answers,
        programme_name=programme_name,
        document_id=document.public_id,
        child_label=f"{child_name} ({document.child.pseudonym})",
        finalised_at=document.finalised_at,
        document_version=len(contract.versions(session, document)),
        statement=contract.statement_of(form, answers, document.parcours, programme_name, child_name),
    )
