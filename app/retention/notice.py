"""The information notice given to families about their data (GDPR art. 13), per programme.

Defaults follow the CNIL référentiel protection de l'enfance (2022): purposes, legal basis,
recipients, retention (2 years after the last contact coming from the family, then élimination
under the archives départementales' visa), rights and contacts. The coordinator adapts each part;
`notice_pdf` gives the sealed PDF that the decision letters attach.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from flask import current_app
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.db import utcnow
from app.i18n import _
from app.retention.models import FamilyNotice
from app.retention.pdf import Block, Sheet, sealed_sheet
from app.users.models import Programme, User

TEXT_MAX = 4000


class NoticeError(ValueError):
    """The notice text was refused; `str(error)` says why, in French."""


@dataclass(frozen=True)
class NoticeText:
    controller: str
    purposes: str
    legal_basis: str
    recipients: str
    retention: str
    rights: str
    contact: str


# (field, heading) in the order the notice shows them.
HEADINGS: list[tuple[str, str]] = [
    ("controller", _("Qui est responsable de vos données ?")),
    ("purposes", _("Pourquoi ces données sont-elles recueillies ?")),
    ("legal_basis", _("Sur quelle base ?")),
    ("recipients", _("Qui peut les consulter ?")),
    ("retention", _("Combien de temps sont-elles conservées ?")),
    ("rights", _("Quels sont vos droits ?")),
    ("contact", _("Qui contacter ?")),
]


def default_notice(programme: Programme, retention_years: int = 2) -> NoticeText:
    """The French default text, from the CNIL référentiel protection de l'enfance."""
    return NoticeText(
        controller=_(
            "Le %(name)s, porté par la commune ou la structure juridique support du Programme de réussite "
            "éducative, est responsable du traitement des données recueillies pour accompagner votre enfant."
        )
        % {"name": programme.name},
        purposes=_(
            "Étudier avec vous la situation de votre enfant, proposer et suivre un parcours de réussite "
            "éducative (objectifs, actions, rencontres, bilans), préparer l'examen de la situation par "
            "l'équipe pluridisciplinaire de soutien sans votre nom, et établir des statistiques anonymes "
            "pour l'évaluation du programme."
        ),
        legal_basis=_(
            "Mission d'intérêt public du Programme de réussite éducative (loi n° 2005-32 du 18 janvier 2005 "
            "de programmation pour la cohésion sociale, article 128). Rien n'est engagé sans votre accord."
        ),
        recipients=_(
            "Le ou la référent·e de parcours de votre enfant et le ou la coordonnateur·rice du programme. "
            "L'équipe pluridisciplinaire de soutien voit la situation sans nom ni adresse. Les professionnels "
            "partenaires ne reçoivent que ce qui est strictement nécessaire à leur action "
            "(article L. 121-6-2 du code de l'action sociale et des familles). Les financeurs ne reçoivent "
            "que des chiffres globaux."
        ),
        retention=_(
            "Vos données sont conservées %(years)d ans après le dernier contact venant de vous (rencontre, "
            "signature, document remis), puis éliminées avec le visa des archives départementales : ce sont "
            "des archives publiques. Les documents signés sont versés chaque année à une archive scellée."
        )
        % {"years": retention_years},
        rights=_(
            "Vous pouvez accéder aux données qui vous concernent et concernent votre enfant, les faire "
            "rectifier, demander la limitation de leur traitement ou vous y opposer. Vous pouvez aussi "
            "adresser une réclamation à la CNIL (www.cnil.fr, 3 place de Fontenoy, 75007 Paris)."
        ),
        contact=_(
            "Pour exercer vos droits ou poser une question : le ou la coordonnateur·rice du programme, ou "
            "le ou la délégué·e à la protection des données (DPO) de la structure support."
        ),
    )


def notice_of(session: Session, programme: Programme, retention_years: int = 2) -> NoticeText:
    """The programme's notice: its own text when the coordinator edited it, else the default."""
    row = session.get(FamilyNotice, programme.id)
    if row is None:
        return default_notice(programme, retention_years)
    return NoticeText(**{f.name: getattr(row, f.name) for f in fields(NoticeText)})


def update_notice(session: Session, programme: Programme, values: dict[str, str], actor: User) -> NoticeText:
    """Store the coordinator's text (every part required, 4000 characters at most; audited)."""
    missing = [name for name, _heading in HEADINGS if not (values.get(name) or "").strip()]
    if missing:
        raise NoticeError(_("Chaque rubrique de la notice doit être remplie."))
    if any(len(values[name]) > TEXT_MAX for name, _heading in HEADINGS):
        raise NoticeError(_("Chaque rubrique compte 4000 caractères au plus."))
    row = session.get(FamilyNotice, programme.id) or FamilyNotice(programme_id=programme.id)
    for name, _heading in HEADINGS:
        setattr(row, name, values[name].strip())
    row.updated_by, row.updated_at = actor.id, utcnow()
    session.add(row)
    session.flush()
    audit.record_for(session, "notice.update", programme, actor_id=actor.id)
    return notice_of(session, programme)


def notice_sheet(programme: Programme, text: NoticeText) -> Sheet:
    blocks = [Block(heading, paragraphs=getattr(text, name).split("\n\n")) for name, heading in HEADINGS]
    return Sheet(
        programme_name=programme.name,
        title=_("Vos données dans le Programme de réussite éducative"),
        subtitle=_("Notice d'information des familles (article 13 du RGPD)"),
        reference=f"Notice d'information · {programme.code}",
        blocks=blocks,
    )


def notice_pdf(session: Session, programme: Programme) -> bytes:
    """The notice as a PDF sealed by the programme, ready to attach to the decision letters."""
    text = notice_of(session, programme, current_app.config["PARCOURS"].retention_years)
    return sealed_sheet(programme, notice_sheet(programme, text), _("Notice d'information des familles"))
