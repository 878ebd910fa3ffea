"""The audit trail for admins: who did what to which record, filtered and paged; never the data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from app.audit import services as audit
from app.audit.models import AuditEvent
from app.authz import Permission, current_user, requires
from app.db import db
from app.i18n import _
from app.params import bounded_date, bounded_int
from app.users.models import User

bp = Blueprint("audit", __name__, url_prefix="/admin/journal")

PAGE_SIZE = 100

# The families of actions an admin filters on, by prefix of the action name.
CATEGORIES = {
    "login": _("Connexions"),
    "access.denied": _("Accès refusés"),
    "child": _("Dossiers d'enfants"),
    "parcours": _("Parcours et décisions EPS"),
    "document": _("Documents"),
    "import": _("Imports"),
    "indicators": _("Indicateurs"),
    "archive": _("Archives"),
    "user": _("Comptes"),
    "keys": _("Clés et certificats"),
}

LABELS = {
    "login.success": _("Connexion"),
    "login.failure": _("Échec de connexion"),
    "login.failure.totp": _("Code de double authentification refusé"),
    "child.create": _("Création d'un dossier"),
    "child.read": _("Lecture d'un dossier"),
    "child.list": _("Liste des enfants consultée"),
    "child.purge": _("Dossier purgé (fin de conservation)"),
    "child.referent.assign": _("Référent·e attribué·e"),
    "parcours.create": _("Orientation enregistrée"),
    "parcours.close": _("Fin de prise en charge"),
    "document.create": _("Document créé"),
    "document.read": _("Document consulté"),
    "document.save": _("Brouillon enregistré"),
    "document.finalise": _("Document finalisé"),
    "document.correct": _("Correction ouverte"),
    "document.pdf": _("PDF téléchargé"),
    "eps.agenda.read": _("Ordre du jour EPS consulté"),
    "home.todo.read": _("Tableau « À traiter » consulté"),
    "import": _("Import CSV"),
    "indicators.view": _("Indicateurs consultés"),
    "indicators.export": _("Indicateurs exportés"),
    "archive.export_start": _("Export d'archive lancé"),
    "archive.download": _("Archive téléchargée"),
    "user.create": _("Compte créé"),
    "user.enable": _("Compte réactivé"),
    "user.disable": _("Compte désactivé"),
    "user.role": _("Rôle modifié"),
    "user.password": _("Mot de passe modifié"),
    "user.totp.enrol": _("Double authentification activée"),
    "keys.rotate.start": _("Rotation des clés commencée"),
    "keys.rotate.done": _("Rotation des clés terminée"),
    "keys.certificate_import": _("Certificat de cachet importé"),
    "programme.create": _("Programme créé"),
    "audit.read": _("Journal d'audit consulté"),
}


def action_label(action: str) -> str:
    if action.startswith("access.denied"):
        return _("Accès refusé")
    if action.startswith("parcours.decision:"):
        return _("Décision EPS")
    return LABELS.get(action, action)


def _day(name: str) -> date | None:
    return bounded_date(request.args.get(name))


@bp.get("/")
@requires(Permission.AUDIT_VIEW)
def index() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    category = request.args.get("categorie", "")
    start, end = _day("du"), _day("au")
    page = bounded_int(request.args.get("page"), minimum=1, maximum=100_000) or 1
    query = select(AuditEvent).where(AuditEvent.programme_id == user.programme_id)
    if category in CATEGORIES:
        query = query.where(AuditEvent.action.startswith(category))
    if start:
        query = query.where(AuditEvent.at >= datetime.combine(start, time.min))
    if end:
        query = query.where(AuditEvent.at < datetime.combine(end + timedelta(days=1), time.min))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = db.session.scalars(
        query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    actors = {u.id: u for u in db.session.scalars(select(User).where(User.programme_id == user.programme_id))}
    broken = audit.verify(db.session) if request.args.get("verifier") else None
    audit.record(db.session, "audit.read", actor_id=user.id, programme_id=user.programme_id)
    db.session.commit()
    return render_template(
        "audit/index.html",
        events=events,
        actors=actors,
        categories=CATEGORIES,
        category=category,
        start=start,
        end=end,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total,
        verified="verifier" in request.args,
        broken=broken,
        action_label=action_label,
    )
