"""Yearly indicators (PRODUCT.md "Yearly indicators: exact counting rules") by SQL aggregates.

`compute(session, programme_id, year)` returns the JSON shape of INTERFACES.md: every code of every
dimension present (0 when nothing matches), `non_renseigne` in `qpv`, `rep` and `par_cycle`,
`sorties.duree.moyenne_mois` rounded half-up to one decimal, or None when nobody left.

Only the clear, code-only columns of `parcours`, `parcours_codes` and `children` are read, never an
encrypted one; grouped queries, each returning a few dozen rows at most, in parallel on one snapshot.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Date, Integer, Select, Table, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from app.children.models import Child, Parcours, ParcoursCode
from app.collective.models import CollectiveAttendance, CollectiveSession
from app.db import read_in_parallel
from app.eps.models import CLOSE, Seance
from app.indicators import evaluation
from app.nomenclature import AGE_BANDS, OLDEST_BAND, Decision, nomenclature
from app.programme_data.queries import KEY as PROGRAMME_DATA
from app.programme_data.queries import data_of_year, merge_programme_data, programme_data_block
from app.users.models import Programme

NON_RENSEIGNE = "non_renseigne"
DUREE_TRANCHES = ("moins_de_6_mois", "6_12_mois", "12_24_mois", "24_mois_et_plus")
DAYS_PER_MONTH = Decimal("30.4375")
NETWORK = "RESEAU"  # the `programme` of a network's consolidated indicators
DURATION_BANDS = ((183, "moins_de_6_mois"), (366, "6_12_mois"), (731, "12_24_mois"))
LONGEST_DURATION = "24_mois_et_plus"
COLLECTIVE_KEYS = ("actions", "seances", "enfants_en_parcours", "autres_enfants", "parents")

PARCOURS = cast(Table, Parcours.__table__)
CODES = cast(Table, ParcoursCode.__table__)
CHILDREN = cast(Table, Child.__table__)


@dataclass(frozen=True)
class Period:
    """A calendar year (`2025`) or a school year (`2025-2026`: 1 September to 31 August).

    Ages are always counted on 31 December of the first calendar year (PRODUCT.md)."""

    label: int | str
    start: date
    end: date
    age_year: int


class PeriodError(ValueError):
    """Not a calendar year nor a school year; `str(error)` is a French message."""


def previous_period(period: Period) -> Period:
    """The same kind of period, one year earlier (for comparisons)."""
    first = period.start.year - 1
    return period_of(first if isinstance(period.label, int) else f"{first}-{first + 1}")


def period_of(value: int | str | Period) -> Period:
    """The period named by `2025`, `"2025"` or `"2025-2026"`."""
    if isinstance(value, Period):
        return value
    text = str(value).strip()
    if text.isdigit() and len(text) == 4:
        year = int(text)
        return Period(year, date(year, 1, 1), date(year, 12, 31), year)
    first, _dash, second = text.partition("-")
    if first.isdigit() and second.isdigit() and len(first) == 4 and int(second) == int(first) + 1:
        year = int(first)
        return Period(text, date(year, 9, 1), date(year + 1, 8, 31), year)
    raise PeriodError(f"Période « {text} » invalide : une année civile (2025) ou une année scolaire (2025-2026).")


def empty_result(year: int | str | Period, programme_code: str) -> dict[str, Any]:
    """The indicators of a period with nothing in it: every code at 0."""
    n = nomenclature()
    period = period_of(year)

    def zeros(dimension: str, missing: bool = False) -> dict[str, int]:
        counts = dict.fromkeys(n.codes(dimension), 0)
        if missing:
            counts[NON_RENSEIGNE] = 0
        return counts

    return {
        "annee": period.label,
        "periode": {"debut": period.start.isoformat(), "fin": period.end.isoformat()},
        "programme": programme_code,
        "orientations": {"total": 0, "par_orienteur": zeros("orienteur"), "par_decision": zeros("decision_eps")},
        "enfants_suivis": {
            "total": 0,
            "par_sexe": zeros("sexe"),
            "par_tranche_age": zeros("tranche_age"),
            "par_cycle": zeros("cycle", missing=True),
            "qpv": zeros("qpv", missing=True),
            "rep": zeros("rep", missing=True),
            "par_difficulte": zeros("difficulte"),
            "par_action": zeros("action"),
        },
        "familles_aidees": 0,
        "parcours": {"entres": 0, "sortis": 0, "en_cours_au_31_12": 0},
        "sorties": {
            "par_motif": zeros("motif_sortie"),
            "duree": {"moyenne_mois": None, "jours_total": 0, "par_tranche": dict.fromkeys(DUREE_TRANCHES, 0)},
        },
        "eps": {
            "seances": 0,
            "situations_examinees": 0,
            "delai_orientation_decision_jours": {"moyenne": None, "mediane": None},
        },
        "actions_collectives": dict.fromkeys(COLLECTIVE_KEYS, 0),
        PROGRAMME_DATA: programme_data_block(),
        "evaluation": evaluation.empty_block(),
    }


def compute(session: Session, programme_id: int, year: int | str | Period) -> dict[str, Any]:
    """The indicators of a period for one programme (see the module docstring)."""
    return _compute(session, programme_id, period_of(year))[0]


def consolidate(session: Session, programme_ids: list[int], year: int | str | Period) -> dict[str, Any]:
    """The indicators of a network of programmes. Children and families never cross programmes, so
    every count is the sum of the programmes' counts; the mean duration comes from the total days."""
    period = period_of(year)
    result = empty_result(period, NETWORK)
    delays: Counter[int] = Counter()
    for programme_id in programme_ids:
        part, programme_delays = _compute(session, programme_id, period)
        merge_programme_data(result[PROGRAMME_DATA], part.pop(PROGRAMME_DATA))
        _add_counts(result, part)
        delays.update(programme_delays)
    duree = result["sorties"]["duree"]
    duree["moyenne_mois"] = _mean_months(duree["jours_total"], result["parcours"]["sortis"])
    result["eps"]["delai_orientation_decision_jours"] = _mean_and_median(delays)
    result["programmes"] = sorted(session.scalars(select(Programme.code).where(Programme.id.in_(programme_ids))))
    return result


def _compute(session: Session, programme_id: int, period: Period) -> tuple[dict[str, Any], Counter[int]]:
    """The result, and the orientation-to-decision delays of the situations examined (number of
    situations per delay in days). The two heaviest counts (children, codes) and the rest run in
    parallel on one snapshot (`read_in_parallel`); each writes its own keys of the result."""
    code = session.scalar(select(Programme.code).where(Programme.id == programme_id)) or ""
    result = empty_result(period, code)
    start, end = period.start, period.end
    delays: Counter[int] = Counter()

    def activity(reader: Session) -> None:
        _orientations(reader, programme_id, start, end, result)
        _parcours(reader, programme_id, start, end, result)
        delays.update(_decision_delays(reader, programme_id, start, end))
        result["eps"]["seances"] = _seances_held(reader, programme_id, start, end)
        collective_actions(reader, programme_id, start, end, result)
        result[PROGRAMME_DATA] = data_of_year(reader, programme_id, period.start.year)
        evaluation.count_evaluations(reader, programme_id, start, end, result)

    read_in_parallel(
        session,
        activity,
        lambda reader: _children(reader, programme_id, period.age_year, start, end, result),
        lambda reader: _codes(reader, programme_id, start, end, result),
    )
    result["eps"]["situations_examinees"] = delays.total()
    result["eps"]["delai_orientation_decision_jours"] = _mean_and_median(delays)
    return result, delays


def mean_months(total_days: int, count: int) -> float | None:
    """Mean duration in months of `count` parcours lasting `total_days` in all, rounded half-up."""
    return _mean_months(total_days, count)


def _add_counts(total: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, dict):
            _add_counts(total.setdefault(key, {}), value)
        elif isinstance(value, int) and not isinstance(value, bool) and key != "annee":
            total[key] = total.get(key, 0) + value


def _half_up(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _mean_and_median(counts: Counter[int]) -> dict[str, float | None]:
    """Mean and median (mean of the two middle values for an even count), rounded half-up to 0.1,
    of the values counted in `counts` (value -> how many times)."""
    total = counts.total()
    if not total:
        return {"moyenne": None, "mediane": None}
    ranks = sorted({(total - 1) // 2, total // 2})  # the middle value's rank, or the two middle ones' (0-based)
    middle: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while ranks and ranks[0] < seen:
            middle.append(value)
            ranks.pop(0)
        if not ranks:
            break
    median = Decimal(sum(middle)) / len(middle)
    mean = Decimal(sum(value * n for value, n in counts.items())) / total
    return {"moyenne": _half_up(mean), "mediane": _half_up(median)}


def _decision_delays(session: Session, programme_id: int, start: date, end: date) -> Counter[int]:
    """Days from orientation to decision of the parcours decided in the period (not `en_attente`),
    counted per number of days: a few dozen rows however many parcours (covering index
    `ix_parcours_decisions`)."""
    p = PARCOURS.c
    days = _days(session, p.date_orientation, p.date_decision)
    query = (
        select(days, func.count())
        .where(
            p.programme_id == programme_id,
            p.date_decision.between(start, end),
            func.coalesce(func.nullif(p.decision_eps, ""), Decision.EN_ATTENTE.value) != Decision.EN_ATTENTE.value,
        )
        .group_by(days)
    )
    return Counter({int(delay): n for delay, n in session.execute(query)})


def _seances_held(session: Session, programme_id: int, start: date, end: date) -> int:
    """Séances closed (held, with their relevé) whose date falls in the period (`eps.seances`)."""
    query = select(func.count(Seance.id)).where(
        Seance.programme_id == programme_id,
        Seance.status == CLOSE,
        Seance.starts_at >= datetime.combine(start, time.min),
        Seance.starts_at < datetime.combine(end + timedelta(days=1), time.min),
    )
    return int(session.scalar(query) or 0)


def _mean_months(total_days: int, count: int) -> float | None:
    if not count:
        return None
    return _half_up(Decimal(total_days) / (Decimal(count) * DAYS_PER_MONTH))


def _add(counts: dict[str, int], key: str | None, n: int) -> None:
    key = key or NON_RENSEIGNE
    counts[key] = counts.get(key, 0) + n


def _in_period(start: date, end: date, entered: ColumnElement[Any] = PARCOURS.c.date_entree) -> ColumnElement[bool]:
    """Parcours entered by the end of the year and not left before it starts (any decision)."""
    p = PARCOURS.c
    return and_(entered <= end, or_(p.date_sortie.is_(None), p.date_sortie >= start))


def _followed(session: Session, programme_id: int, start: date, end: date) -> ColumnElement[bool]:
    """Accepted parcours of the period, read in child order through `ix_parcours_followed`. SQLite
    would rather range over the entry date of `ix_parcours_indicators` (the period's children then
    come unsorted): its unary `+` keeps that term out of index choices (SQLite's documented way)."""
    p = PARCOURS.c
    entered: ColumnElement[Any] = p.date_entree
    if session.get_bind().dialect.name == "sqlite":
        entered = UnaryExpression(entered, operator=operators.custom_op("+"), type_=Date)
    return and_(p.programme_id == programme_id, p.decision_eps == Decision.ACCEPTE, _in_period(start, end, entered))


def _orientations(session: Session, programme_id: int, start: date, end: date, result: dict[str, Any]) -> None:
    p = PARCOURS.c
    decision = func.coalesce(func.nullif(p.decision_eps, ""), Decision.EN_ATTENTE.value)
    query = (
        select(p.orienteur, decision, func.count())
        .where(p.programme_id == programme_id, p.date_orientation.between(start, end))
        .group_by(p.orienteur, decision)
    )
    block = result["orientations"]
    for orienteur, decision_eps, n in session.execute(query):
        block["total"] += n
        _add(block["par_orienteur"], orienteur, n)
        _add(block["par_decision"], decision_eps, n)


def _days(
    session: Session, since: Any = PARCOURS.c.date_entree, until: Any = PARCOURS.c.date_sortie
) -> ColumnElement[int]:
    """Days from `since` to `until` (by default a parcours' duration), in SQL."""
    if session.get_bind().dialect.name == "sqlite":
        return func.cast(func.julianday(until) - func.julianday(since), Integer)
    return cast(ColumnElement[int], until - since)


def _parcours(session: Session, programme_id: int, start: date, end: date, result: dict[str, Any]) -> None:
    """Entries, exits (by reason and duration band, total days) and parcours open at the period's
    end, in one scan."""
    p = PARCOURS.c
    days = _days(session)
    left = and_(p.date_sortie.is_not(None), p.date_sortie <= end)
    accepted = p.decision_eps == Decision.ACCEPTE
    band = case(*((days < limit, literal(code)) for limit, code in DURATION_BANDS), else_=literal(LONGEST_DURATION))
    motif = case((left, p.motif_sortie), else_=None)
    tranche = case((left, band), else_=None)
    query = (
        select(
            motif,
            tranche,
            func.count(),
            func.sum(case((and_(accepted, p.date_entree >= start), 1), else_=0)),
            func.sum(case((and_(accepted, or_(p.date_sortie.is_(None), p.date_sortie > end)), 1), else_=0)),
            func.sum(case((left, days), else_=0)),
        )
        .where(p.programme_id == programme_id, _in_period(start, end))
        .group_by(motif, tranche)
    )
    counts, sorties = result["parcours"], result["sorties"]
    total_days = 0
    for motif_sortie, duration_band, n, entres, en_cours, days_sum in session.execute(query):
        counts["entres"] += int(entres or 0)
        counts["en_cours_au_31_12"] += int(en_cours or 0)
        if duration_band is not None:
            counts["sortis"] += n
            total_days += int(days_sum or 0)
            _add(sorties["par_motif"], motif_sortie, n)
            _add(sorties["duree"]["par_tranche"], duration_band, n)
    sorties["duree"]["jours_total"] = total_days
    sorties["duree"]["moyenne_mois"] = _mean_months(total_days, counts["sortis"])


def _children(session: Session, programme_id: int, year: int, start: date, end: date, result: dict[str, Any]) -> None:
    """Children suivis by sex, age band, and the cycle/QPV/REP of their latest active parcours
    (greatest entry date), and the number of distinct families among them."""
    p, c = PARCOURS.c, CHILDREN.c
    if session.get_bind().dialect.name == "sqlite":
        # SQLite takes the bare columns of a max() query from the row holding the maximum: the
        # latest parcours of each child in one grouped pass over the index, in child order.
        latest: Select[Any] = select(p.child_id, p.cycle, p.qpv, p.rep, func.max(p.date_entree)).group_by(p.child_id)
    else:
        # PostgreSQL's DISTINCT ON keeps the first row of each child; it also estimates the number
        # of children well (a window's rank filter made it join the children row by row).
        from sqlalchemy.dialects.postgresql import distinct_on  # 35 ms to import: PostgreSQL only

        latest = select(p.child_id, p.cycle, p.qpv, p.rep).order_by(p.child_id, p.date_entree.desc())
        latest = cast(Select[Any], latest.ext(distinct_on(p.child_id)))
    active = latest.where(_followed(session, programme_id, start, end)).subquery("active")
    age = literal(year) - c.annee_naissance
    band = case(*((age < limit, literal(code)) for limit, code in AGE_BANDS), else_=literal(OLDEST_BAND))
    suivis = (
        select(active.c.cycle, active.c.qpv, active.c.rep, c.sexe, band.label("band"), c.famille_digest)
        .join_from(active, CHILDREN, c.id == active.c.child_id)
        .cte("suivis")
        .prefix_with("MATERIALIZED")
    )
    s = suivis.c
    families = select(s.famille_digest).where(s.famille_digest.is_not(None)).group_by(s.famille_digest).subquery()
    with_family = select(func.count()).select_from(families).scalar_subquery()
    on_their_own = select(func.count()).select_from(suivis).where(s.famille_digest.is_(None)).scalar_subquery()
    keys = (s.sexe, s.band, s.cycle, s.qpv, s.rep)
    query = select(*keys, func.count(), with_family + on_their_own).group_by(*keys)
    block = result["enfants_suivis"]
    for sexe, age_band, cycle, qpv, rep, n, family_count in session.execute(query):
        block["total"] += n
        result["familles_aidees"] = int(family_count)
        _add(block["par_sexe"], sexe, n)
        _add(block["par_tranche_age"], age_band, n)
        _add(block["par_cycle"], cycle, n)
        _add(block["qpv"], qpv, n)
        _add(block["rep"], rep, n)


def _codes(session: Session, programme_id: int, start: date, end: date, result: dict[str, Any]) -> None:
    """Children having each difficulty or action code on any of their active parcours."""
    p, pc = PARCOURS.c, CODES.c
    query = (
        select(pc.dimension, pc.code, func.count(p.child_id.distinct()))
        .join_from(PARCOURS, CODES, pc.parcours_id == p.id)
        .where(_followed(session, programme_id, start, end))
        .group_by(pc.dimension, pc.code)
    )
    block = result["enfants_suivis"]
    targets = {"difficulte": block["par_difficulte"], "action": block["par_action"]}
    for dimension, code, n in session.execute(query):
        if dimension in targets:
            _add(targets[dimension], code, n)


def collective_actions(session: Session, programme_id: int, start: date, end: date, result: dict[str, Any]) -> None:
    """Collective actions with a session in the period, their sessions and attendance: two grouped
    queries on the sessions of the period (dates, ids and counts only)."""
    held = and_(CollectiveSession.programme_id == programme_id, CollectiveSession.held_on.between(start, end))
    totals = select(
        func.count(CollectiveSession.action_id.distinct()),
        func.count(),
        func.coalesce(func.sum(CollectiveSession.other_children), 0),
        func.coalesce(func.sum(CollectiveSession.parents), 0),
    ).where(held)
    actions, seances, others, parents = session.execute(totals).one()
    children = (
        select(func.count(CollectiveAttendance.child_id.distinct()))
        .join_from(CollectiveAttendance, CollectiveSession, CollectiveAttendance.session_id == CollectiveSession.id)
        .where(held)
    )
    block = result["actions_collectives"]
    block["actions"], block["seances"] = int(actions), int(seances)
    block["enfants_en_parcours"] = int(session.scalar(children) or 0)
    block["autres_enfants"], block["parents"] = int(others), int(parents)
