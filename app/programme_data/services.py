"""Saving the programme's data of a year: the figures replace the year's previous ones, audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.db import utcnow
from app.i18n import _
from app.programme_data.codes import QPV, SECTIONS
from app.programme_data.models import ProgrammeYearFigure
from app.users.models import User

MAX_VALUE = Decimal("999999999999")
QPV_MAX = 60
NAME_MAX = 160


class ProgrammeDataError(ValueError):
    """`str(error)` says in French what is wrong and how to fix it."""


def parse_amount(text: str, label: str, whole: bool) -> Decimal:
    """`1,5`, `1 200`, `12000.50` → Decimal; empty → 0."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".").strip()
    if not cleaned:
        return Decimal(0)
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ProgrammeDataError(
            _("« %(label)s » : écrivez un nombre, par exemple 2 ou 1,5.") % {"label": label}
        ) from error
    if not value.is_finite() or value < 0 or value > MAX_VALUE or (whole and value != value.to_integral_value()):
        kind = _("un nombre entier positif") if whole else _("un nombre positif")
        raise ProgrammeDataError(_("« %(label)s » : écrivez %(kind)s.") % {"label": label, "kind": kind})
    return value.quantize(Decimal("0.01"))


def save_year(
    session: Session, actor: User, year: int, values: dict[str, dict[str, Decimal]], qpv_names: list[str]
) -> None:
    """Replace the programme's figures of `year` with `values` (section → code → value) and the QPV."""
    names = sorted({name.strip()[:NAME_MAX] for name in qpv_names if name.strip()}, key=str.casefold)
    if len(names) > QPV_MAX:
        raise ProgrammeDataError(_("Au plus %(max)d QPV : regroupez-les si besoin.") % {"max": QPV_MAX})
    session.execute(
        delete(ProgrammeYearFigure).where(
            ProgrammeYearFigure.programme_id == actor.programme_id, ProgrammeYearFigure.year == year
        )
    )
    rows = [(section, code, value) for section, codes in values.items() for code, value in codes.items() if value]
    rows += [(QPV, name, Decimal(1)) for name in names]
    for section, code, value in rows:
        if section != QPV and (section not in SECTIONS or code not in SECTIONS[section][1]):
            raise ProgrammeDataError(_("Champ inconnu : rechargez la page."))
        session.add(
            ProgrammeYearFigure(
                programme_id=actor.programme_id,
                year=year,
                section=section,
                code=code,
                value=value,
                updated_by=actor.id,
                updated_at=utcnow(),
            )
        )
    session.flush()
    audit.record(
        session,
        "programme_data.save",
        actor_id=actor.id,
        programme_id=actor.programme_id,
        target_type="programme_year_figures",
        target_id=str(year),
    )


def demo_year(session: Session, coordinator: User) -> None:
    """The demo programme's data of this year."""
    figures = {
        "effectifs": {"coordination": "1", "referents": "3,5", "intervenants": "0,8", "administratif": "0,5"},
        "financements": {"etat_anct": "185000", "commune_epci": "92000", "caf": "15000", "departement": "8000"},
        "partenaires": {"education_nationale": "14", "sante": "4", "social": "6", "associations": "9"},
        "etablissements": {"ecole_maternelle": "5", "ecole_elementaire": "7", "college": "2", "lycee": "1"},
    }
    values = {
        section: {code: parse_amount(text, code, SECTIONS[section][2]) for code, text in codes.items()}
        for section, codes in figures.items()
    }
    save_year(session, coordinator, date.today().year, values, ["Kawéni", "Majicavo-Koropa", "Tsoundzou"])
