"""What a séance produces on paper: the sealed relevé de décisions and the letters of each decision.

The relevé is pseudonymised (pseudonyms and codes only). Letters name the family and the child:
they are stored encrypted with the child's key. Both are PDF/A sealed by the programme's key, with
the documents' renderer and seal.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.children.services import cipher_for, read_identity
from app.db import new_public_id
from app.documents.rendering import Item, Section, SignatureItem, Table, record_renderable
from app.documents.sealing import render_and_seal, seal_settings
from app.eps.models import CHARTE, COURRIER_FAMILLE, RETOUR_ORIENTEUR, EpsDecision, EpsText, Letter, Seance
from app.nomenclature import Decision, nomenclature
from app.users.models import Programme, User

if TYPE_CHECKING:
    from app.eps.models import AgendaItem

LETTERS_TABLE = "eps_letters"
LETTER_TITLES = {COURRIER_FAMILLE: "Courrier à la famille", RETOUR_ORIENTEUR: "Retour à l'orienteur"}

DEFAULT_TEXTS = {
    CHARTE: (
        "Charte de confidentialité de l'équipe pluridisciplinaire de soutien.\n"
        "Les situations sont présentées sans nom ; je ne cherche pas à identifier les enfants et "
        "leurs familles.\n"
        "Je ne partage que ce qui est strictement nécessaire à l'accompagnement (article L121-6-2 "
        "du code de l'action sociale et des familles) et je respecte le secret professionnel qui "
        "s'impose à moi.\n"
        "Je ne copie, n'imprime et ne transmets aucun élément de l'ordre du jour ni du relevé de "
        "décisions en dehors de l'équipe.\n"
        "Je signale au ou à la coordonnateur·rice toute situation où je connais la famille."
    ),
    COURRIER_FAMILLE: (
        "Madame, Monsieur,\n"
        "L'équipe pluridisciplinaire de soutien du {programme} a examiné le {date} la situation "
        "de {prenom} {nom}.\n"
        "Décision : {decision}.\n"
        "{suite}\n"
        "Vos données : le programme enregistre les informations nécessaires à l'accompagnement de "
        "votre enfant (finalité : le parcours de réussite éducative). Seuls l'équipe du programme "
        "et, sans votre nom, l'équipe pluridisciplinaire de soutien y ont accès. Elles sont "
        "conservées au plus deux ans après le dernier contact. Vous pouvez y accéder, les faire "
        "rectifier ou vous opposer à leur traitement en écrivant au programme ; vous pouvez aussi "
        "saisir la CNIL."
    ),
    RETOUR_ORIENTEUR: (
        "Madame, Monsieur,\n"
        "Vous avez orienté vers le {programme} une situation le {date_orientation}. L'équipe "
        "pluridisciplinaire de soutien l'a examinée le {date}.\n"
        "{retour}\n"
        "Merci de votre orientation. Pour toute question, contactez le programme."
    ),
}

# What the family and the referrer are told, by decision code.
FAMILY_OUTCOMES = {
    "accepte": "votre enfant est accompagné·e par le programme de réussite éducative",
    "refuse": "l'accompagnement par le programme de réussite éducative n'a pas été retenu",
    "reoriente": "une autre aide paraît mieux adaptée ({service})",
    "ajourne": "l'équipe a besoin d'un élément de plus avant de décider ({manque})",
}
REFERRER_OUTCOMES = {
    "accepte": "La situation est prise en charge par le programme.",
    "refuse": "La situation n'est pas prise en charge par le programme.",
    "reoriente": "La situation n'est pas prise en charge par le programme : une réorientation est proposée.",
    "ajourne": "La décision est reportée à une prochaine séance.",
}


class _Blank(dict[str, str]):
    """Unknown placeholders of a template stay as they are written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fr(day: object) -> str:
    return day.strftime("%d/%m/%Y") if hasattr(day, "strftime") else ""


def _template(session: Session, programme_id: int, kind: str) -> tuple[int, str]:
    text = session.scalar(
        select(EpsText)
        .where(EpsText.programme_id == programme_id, EpsText.kind == kind)
        .order_by(EpsText.version.desc())
        .limit(1)
    )
    return (text.version, text.body) if text else (0, DEFAULT_TEXTS[kind])


def _paragraphs(body: str) -> list[Item | Table | SignatureItem]:
    return [Item("", line) for line in body.splitlines() if line.strip()]


def write_letters(session: Session, decision: EpsDecision, actor: User | None) -> list[Letter]:
    """The family letter and the referrer's feedback of an orientation decision, sealed and encrypted."""
    parcours = decision.parcours
    child = parcours.child
    programme = session.get(Programme, decision.programme_id)
    assert programme is not None
    n = nomenclature()
    identity = read_identity(child)
    referent = session.get(User, decision.referent_id) if decision.referent_id else None
    if decision.outcome == Decision.ACCEPTE and referent is not None:
        suite = f"Votre référent·e de parcours est {referent.name} ({referent.email}) : il ou elle vous contactera."
    elif decision.outcome == Decision.ACCEPTE:
        suite = "Un·e référent·e de parcours vous sera désigné·e prochainement ; le programme vous contactera."
    else:
        suite = "Vous pouvez contacter le programme pour en parler."
    values = _Blank(
        programme=programme.name,
        date=_fr(decision.decided_on),
        prenom=identity.prenom,
        nom=identity.nom,
        decision=FAMILY_OUTCOMES[decision.outcome].format(
            service=n.label("service_reorientation", decision.reorientation),
            manque=n.label("manque_ajournement", decision.manque),
        ),
        suite=suite,
        date_orientation=_fr(parcours.date_orientation),
        retour=REFERRER_OUTCOMES[decision.outcome],
    )
    settings = seal_settings(programme)
    made = []
    for kind in (COURRIER_FAMILLE, RETOUR_ORIENTEUR):
        version, body = _template(session, programme.id, kind)
        letter = Letter(
            public_id=new_public_id(),
            programme_id=programme.id,
            child_id=child.id,
            decision_id=decision.id,
            kind=kind,
            template_version=version,
            pdf=b"",
        )
        session.add(letter)
        session.flush()
        label = f"{identity.prenom} {identity.nom}" if kind == COURRIER_FAMILLE else child.pseudonym
        renderable = record_renderable(
            programme,
            LETTER_TITLES[kind],
            kind,
            letter.public_id,
            label,
            [Section("", _paragraphs(body.format_map(values)))],
        )
        letter.pdf = cipher_for(child).encrypt(LETTERS_TABLE, letter.id, "pdf", render_and_seal(settings, renderable))
        audit.record(
            session,
            f"eps.letter.create:{kind}",
            actor_id=actor.id if actor else None,
            programme_id=programme.id,
            target_type="children",
            target_id=child.public_id,
        )
        made.append(letter)
    session.flush()
    return made


def read_letter(letter: Letter) -> bytes:
    return cipher_for(letter.child).decrypt(LETTERS_TABLE, letter.id, "pdf", letter.pdf)


# Built once: the child's page reads it at every view.
LETTERS_OF_CHILD = select(Letter).where(Letter.child_id == bindparam("child_id")).order_by(Letter.id.desc())


def letters_of(session: Session, child_id: int) -> list[Letter]:
    return list(session.scalars(LETTERS_OF_CHILD, {"child_id": child_id}))


def outcome_label(decision: EpsDecision, item_kind: str) -> str:
    n = nomenclature()
    if decision.outcome in n.codes("revue_eps") and item_kind in ("revue", "sortie"):
        return n.label("revue_eps", decision.outcome)
    label = n.label("decision_eps", decision.outcome)
    if decision.outcome == Decision.REORIENTE:
        label += f" ({n.label('service_reorientation', decision.reorientation)})"
    if decision.outcome == Decision.AJOURNE:
        label += f" ({n.label('manque_ajournement', decision.manque)})"
    if decision.outcome == Decision.ACCEPTE and decision.liste_attente:
        label += " (liste d'attente)"
    return label


def _releve_rows(items: list[AgendaItem]) -> list[list[str]]:
    n = nomenclature()
    rows = []
    for number, item in enumerate(items, start=1):
        decision = item.decision
        assert decision is not None
        preconisations = ", ".join(n.label("action", c) for c in decision.preconisation_codes) or "-"
        rows.append(
            [
                str(number),
                item.parcours.child.pseudonym,
                KIND_LABELS[item.kind],
                outcome_label(decision, item.kind),
                preconisations,
            ]
        )
    return rows


KIND_LABELS = {
    "orientation": "Orientation",
    "ajournee": "Situation ajournée",
    "revue": "Revue de parcours",
    "sortie": "Sortie proposée",
}


def sealed_releve(session: Session, seance: Seance) -> bytes:
    """The relevé de décisions: séance, attendance and one line per situation, pseudonymised."""
    programme = session.get(Programme, seance.programme_id)
    assert programme is not None
    names = {
        u.id: u.name for u in session.scalars(select(User).where(User.id.in_([m.user_id for m in seance.members])))
    }
    attendance: dict[bool, list[str]] = defaultdict(list)
    for member in seance.members:
        attendance[bool(member.present)].append(names.get(member.user_id, ""))
    for external in seance.externals:
        attendance[bool(external.present)].append(f"{external.name} ({external.structure})")
    when = seance.starts_at.strftime("%d/%m/%Y à %H:%M")
    sections = [
        Section("Séance", [Item("Date", when), Item("Lieu", seance.lieu)]),
        Section(
            "Présences",
            [
                Item("Présent·es", ", ".join(sorted(attendance[True])) or "-"),
                Item("Excusé·es ou absent·es", ", ".join(sorted(attendance[False])) or "-"),
            ],
        ),
        Section(
            "Décisions",
            [Table(["N°", "Situation", "Objet", "Décision", "Préconisations"], _releve_rows(list(seance.items)))],
        ),
        Section("", [Item("", "Relevé pseudonymisé : aucune identité d'enfant ni de famille n'y figure.")]),
    ]
    renderable = record_renderable(
        programme,
        "Relevé de décisions de l'EPS",
        "releve_eps",
        seance.public_id,
        f"séance du {when}",
        sections,
        subject="Séance",
    )
    return render_and_seal(seal_settings(programme), renderable)
