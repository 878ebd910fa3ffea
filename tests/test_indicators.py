"""The SQL indicators against a brute-force reading of PRODUCT.md on random small datasets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.collective.models import CollectiveAction, CollectiveAttendance, CollectiveSession
from app.documents.contract import record_exit_evaluation
from app.formengine import form_set
from app.indicators.compute import compute
from app.nomenclature import nomenclature
from app.programme_data.queries import programme_data_block
from tests.factories import World, make_child, make_document, make_parcours, make_programme

N = nomenclature()
YEAR = 2024
# Dates crowd around the year's boundaries, so that off-by-one errors show.
EDGES = [date(y, m, d) for y in (2023, 2024, 2025) for m, d in ((1, 1), (1, 2), (12, 30), (12, 31))]
DAY = st.one_of(st.sampled_from(EDGES), st.dates(min_value=date(2022, 6, 1), max_value=date(2025, 12, 31)))


@dataclass
class FakeParcours:
    date_orientation: date
    orienteur: str
    decision_eps: str
    date_entree: date | None = None
    date_sortie: date | None = None
    motif_sortie: str | None = None
    cycle_niveau: str | None = None
    qpv: str | None = None
    rep: str | None = None
    difficultes: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    # An exit evaluation: (day finalised, next step, progression of each objective).
    evaluation: tuple[date, str, list[str]] | None = None


@dataclass
class FakeSession:
    action: int  # which of the programme's actions
    held_on: date
    other_children: int
    parents: int
    attending: list[int]  # indexes of children (taken modulo the number of children)


@dataclass
class FakeChild:
    sexe: str
    born: date
    famille: str | None
    parcours: list[FakeParcours]


def later(day: date) -> st.SearchStrategy[date]:
    """`day` plus a duration, often on the edge of a duration band."""
    offsets = st.sampled_from([0, 1, 182, 183, 365, 366, 730, 731]) | st.integers(0, 900)
    return offsets.map(lambda n: day + timedelta(days=n))


def maybe(dimension: str) -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(N.codes(dimension))


@st.composite
def a_child(draw: st.DrawFn) -> FakeChild:
    """A child with 1 to 3 parcours; accepted ones never overlap (re-entries after an exit)."""
    parcours: list[FakeParcours] = []
    free_from: date | None = date(2022, 1, 1)  # accepted periods may start after this; None = one is open
    for _ in range(draw(st.integers(1, 3))):
        oriented = draw(DAY)
        decision = draw(st.sampled_from(["accepte", "accepte", *N.codes("decision_eps")]))
        p = FakeParcours(
            oriented,
            draw(st.sampled_from(N.codes("orienteur"))),
            decision,
            cycle_niveau=draw(maybe("niveau")),
            qpv=draw(maybe("qpv")),
            rep=draw(maybe("rep")),
            difficultes=draw(st.lists(st.sampled_from(N.codes("difficulte")), unique=True, max_size=3)),
            actions=draw(st.lists(st.sampled_from(N.codes("action")), unique=True, max_size=2)),
            evaluation=draw(
                st.none()
                | st.tuples(
                    DAY,
                    st.sampled_from(N.codes("suite")),
                    st.lists(st.sampled_from(N.codes("progression")), min_size=1, max_size=4),
                )
            ),
        )
        if decision == "accepte" and free_from is not None and draw(st.integers(0, 3)):
            earliest = max(oriented, free_from)
            p.date_entree = draw(st.sampled_from([e for e in EDGES if e >= earliest] or [earliest]) | later(earliest))
            if draw(st.booleans()):
                p.date_sortie = draw(
                    st.sampled_from([e for e in EDGES if e >= p.date_entree] or [p.date_entree]) | later(p.date_entree)
                )
                p.motif_sortie = draw(st.sampled_from(N.codes("motif_sortie")))
                free_from = p.date_sortie + timedelta(days=1)
            else:
                free_from = None
        parcours.append(p)
    sexe = draw(st.sampled_from(N.codes("sexe")))
    born = draw(st.dates(min_value=date(2004, 1, 1), max_value=date(2024, 12, 31)))
    return FakeChild(sexe, born, draw(st.sampled_from([None, None, "FA", "FB", "FC"])), parcours)


a_session = st.builds(
    FakeSession,
    st.integers(0, 2),
    DAY,
    st.integers(0, 6),
    st.integers(0, 6),
    st.lists(st.integers(0, 9), max_size=4, unique=True),
)


def bounds(period: int | str) -> tuple[date, date, int]:
    """Start, end and the year of the age reference, read from PRODUCT.md's period rules."""
    if isinstance(period, int):
        return date(period, 1, 1), date(period, 12, 31), period
    first = int(str(period)[:4])
    return date(first, 9, 1), date(first + 1, 8, 31), first


def brute_force(
    children: list[FakeChild], period: int | str, sessions: Sequence[FakeSession] = ()
) -> dict[str, object]:
    """PRODUCT.md's rules read literally, one Python loop per indicator."""
    start, end, year = bounds(period)
    held = [s for s in sessions if start <= s.held_on <= end]
    everything = [(number, p) for number, c in enumerate(children) for p in c.parcours]
    evaluated = [p.evaluation for _, p in everything if p.evaluation and start <= p.evaluation[0] <= end]

    def active(p: FakeParcours) -> bool:
        return (
            p.decision_eps == "accepte"
            and p.date_entree is not None
            and p.date_entree <= end
            and (p.date_sortie is None or p.date_sortie >= start)
        )

    def count(values: list[str | None], dimension: str | None, missing: bool = False) -> dict[str, int]:
        keys = (N.codes(dimension) if dimension else []) + (["non_renseigne"] if missing else [])
        return {k: sum(1 for v in values if (v or "non_renseigne") == k) for k in keys}

    oriented = [p for _, p in everything if start <= p.date_orientation <= end]
    suivis = sorted({n for n, p in everything if active(p)})
    latest = {n: max((p for m, p in everything if m == n and active(p)), key=lambda p: p.date_entree) for n in suivis}

    def band(age: int) -> str:
        return "moins_de_2" if age < 2 else "2-5" if age < 6 else "6-10" if age < 11 else "11-16" if age < 17 else "17+"

    def has(n: int, attribute: str, code: str) -> bool:
        return any(code in getattr(p, attribute) for m, p in everything if m == n and active(p))

    left = [p for _, p in everything if p.date_sortie is not None and start <= p.date_sortie <= end]
    days = [(p.date_sortie - p.date_entree).days for p in left if p.date_sortie and p.date_entree]
    tranches = [
        "moins_de_6_mois" if d < 183 else "6_12_mois" if d < 366 else "12_24_mois" if d < 731 else "24_mois_et_plus"
        for d in days
    ]
    mean = None
    if days:
        exact = Fraction(sum(days), len(days)) / Fraction("30.4375")
        tenths = (exact * 10 + Fraction(1, 2)).__floor__()
        mean = float(Fraction(tenths, 10))
    return {
        "annee": period,
        "periode": {"debut": start.isoformat(), "fin": end.isoformat()},
        "orientations": {
            "total": len(oriented),
            "par_orienteur": count([p.orienteur for p in oriented], "orienteur"),
            "par_decision": count([p.decision_eps for p in oriented], "decision_eps"),
        },
        "enfants_suivis": {
            "total": len(suivis),
            "par_sexe": count([children[n].sexe for n in suivis], "sexe"),
            "par_tranche_age": count([band(year - children[n].born.year) for n in suivis], "tranche_age"),
            "par_cycle": count(
                [N.cycle_of_niveau.get(latest[n].cycle_niveau or "") for n in suivis], "cycle", missing=True
            ),
            "qpv": count([latest[n].qpv for n in suivis], "qpv", missing=True),
            "rep": count([latest[n].rep for n in suivis], "rep", missing=True),
            "par_difficulte": {c: sum(has(n, "difficultes", c) for n in suivis) for c in N.codes("difficulte")},
            "par_action": {c: sum(has(n, "actions", c) for n in suivis) for c in N.codes("action")},
        },
        "familles_aidees": len({children[n].famille or f"child-{n}" for n in suivis}),
        "parcours": {
            "entres": sum(
                1
                for _, p in everything
                if p.decision_eps == "accepte" and p.date_entree and start <= p.date_entree <= end
            ),
            "sortis": len(left),
            "en_cours_au_31_12": sum(
                1 for _, p in everything if active(p) and (p.date_sortie is None or p.date_sortie > end)
            ),
        },
        "sorties": {
            "par_motif": count([p.motif_sortie for p in left], "motif_sortie"),
            "duree": {
                "moyenne_mois": mean,
                "jours_total": sum(days),
                "par_tranche": {
                    t: tranches.count(t) for t in ("moins_de_6_mois", "6_12_mois", "12_24_mois", "24_mois_et_plus")
                },
            },
        },
        # no decision date and no séance in these cases: tests/test_eps_seances.py and the fixtures
        "eps": {
            "seances": 0,
            "situations_examinees": 0,
            "delai_orientation_decision_jours": {"moyenne": None, "mediane": None},
        },
        "actions_collectives": {
            "actions": len({s.action for s in held}),
            "seances": len(held),
            "enfants_en_parcours": len({n % len(children) for s in held for n in s.attending}),
            "autres_enfants": sum(s.other_children for s in held),
            "parents": sum(s.parents for s in held),
        },
        "donnees_programme": programme_data_block(),
        "evaluation": {
            "progression": count([level for e in evaluated for level in e[2]], "progression"),
            "suite": count([e[1] for e in evaluated], "suite"),
        },
    }


def _accepted(entree: date, sortie: date | None, motif: str | None = "autre") -> FakeParcours:
    return FakeParcours(entree, "pmi", "accepte", entree, sortie, motif if sortie else None)


BOUNDARY_CASES = [
    FakeChild("F", date(2015, 1, 1), None, [_accepted(date(2023, 1, 1), date(2024, 1, 1))]),  # left on 1 Jan
    FakeChild("M", date(2022, 12, 31), None, [_accepted(date(2024, 1, 2), date(2024, 12, 31))]),  # left on 31 Dec
    FakeChild("M", date(2007, 1, 1), "FA", [_accepted(date(2024, 12, 31), None)]),  # entered on 31 Dec
    FakeChild("F", date(2010, 6, 1), "FA", [_accepted(date(2023, 12, 31), date(2023, 12, 31))]),  # left before
    FakeChild(
        "F", date(2012, 6, 1), None, [_accepted(date(2024, 1, 1), date(2024, 7, 1)), _accepted(date(2024, 7, 2), None)]
    ),
]


def store(session: Session, children: list[FakeChild], sessions: Sequence[FakeSession] = ()) -> int:
    programme = make_programme(session)
    stored = []
    for fake in children:
        child = make_child(session, programme, sexe=fake.sexe, date_naissance=fake.born, ref_famille=fake.famille or "")
        for p in fake.parcours:
            parcours = make_parcours(
                session,
                child,
                date_orientation=p.date_orientation,
                orienteur=p.orienteur,
                decision_eps=p.decision_eps,
                date_entree=p.date_entree,
                date_sortie=p.date_sortie,
                motif_sortie=p.motif_sortie,
                niveau=p.cycle_niveau,
                cycle=N.cycle_of_niveau.get(p.cycle_niveau) if p.cycle_niveau else None,
                qpv=p.qpv,
                rep=p.rep,
                difficultes=p.difficultes,
                actions=p.actions,
            )
            if p.evaluation:
                finalised_on, suite, levels = p.evaluation
                rows = [{"objectif": f"Objectif {n}", "progression": level} for n, level in enumerate(levels)]
                answers = {"evaluations": rows, "orientation_suite": suite}
                at = datetime.combine(finalised_on, time(10))
                document = make_document(session, parcours, form_id="sortie_evaluation", answers=answers, at=at)
                record_exit_evaluation(session, document, form_set().get("sortie_evaluation", 2), answers)
        stored.append(child)
    actions = [
        CollectiveAction(
            public_id=f"action{programme.id}x{n}",
            programme_id=programme.id,
            title="Atelier",
            action_code="parentalite",
            public="parents",
            starts_on=date(2020, 1, 1),
        )
        for n in range(3)
    ]
    session.add_all(actions)
    for n, fake_session in enumerate(sessions):
        item = CollectiveSession(
            public_id=f"session{programme.id}x{n}",
            programme_id=programme.id,
            action=actions[fake_session.action],
            held_on=fake_session.held_on,
            other_children=fake_session.other_children,
            parents=fake_session.parents,
        )
        session.add(item)
        for index in {i % len(stored) for i in fake_session.attending}:
            session.add(CollectiveAttendance(session=item, child_id=stored[index].id))
    session.flush()
    return programme.id


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(a_child(), min_size=1, max_size=10),
    st.sampled_from([2023, 2024, 2025, "2023-2024", "2024-2025"]),
    st.lists(a_session, max_size=6),
)
@example(children=BOUNDARY_CASES, year=2024, sessions=[])
@example(
    children=BOUNDARY_CASES,
    year="2024-2025",
    sessions=[
        FakeSession(0, date(2024, 8, 31), 1, 2, [0, 1]),  # the day before the school year
        FakeSession(0, date(2024, 9, 1), 3, 0, [0, 2]),  # its first day
        FakeSession(1, date(2025, 8, 31), 0, 4, [2]),  # its last day
    ],
)
def test_sql_matches_brute_force(
    session: Session, children: list[FakeChild], year: int | str, sessions: list[FakeSession]
) -> None:
    programme_id = store(session, children, sessions)
    actual = compute(session, programme_id, year)
    actual.pop("programme")
    expected = brute_force(children, year, sessions)
    assert actual == expected


def test_an_empty_year_lists_every_code_with_zero(session: Session, world: World) -> None:
    result = compute(session, world.programme.id, 1999)
    assert result["programme"] == world.programme.code
    assert result["enfants_suivis"]["par_action"] == dict.fromkeys(N.codes("action"), 0)
    assert result["enfants_suivis"]["qpv"] == {"oui": 0, "non": 0, "non_renseigne": 0}
    assert result["sorties"]["duree"] == {
        "moyenne_mois": None,
        "jours_total": 0,
        "par_tranche": {"moins_de_6_mois": 0, "6_12_mois": 0, "12_24_mois": 0, "24_mois_et_plus": 0},
    }
    json.dumps(result)


def test_other_programmes_are_not_counted(session: Session, world: World) -> None:
    make_parcours(
        session,
        world.foreign_child,
        date_orientation=date(2024, 3, 1),
        decision_eps="accepte",
        date_entree=date(2024, 3, 2),
    )
    assert compute(session, world.programme.id, 2024)["enfants_suivis"]["total"] == 0
    assert compute(session, world.foreign_programme.id, 2024)["enfants_suivis"]["total"] == 1
