"""Importing existing caseloads: all or nothing, every error named, idempotent, encrypted."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.audit.models import AuditEvent
from app.children.models import Child, ChildIdentity, ChildSearchIndex, Parcours, ParcoursCode, ParcoursDetails
from app.children.services import read_identity, ref_digest
from app.imports.services import ImportIssue, import_csv
from app.users.models import Programme
from tests.conftest import FIXTURES
from tests.factories import World, make_programme, make_user

TODAY = date(2026, 11, 25)
HEADER = (
    "ref_enfant;nom;prenom;date_naissance;sexe;ref_famille;adresse;qpv;etablissement;rep;niveau;orienteur;"
    "date_orientation;decision_eps;date_decision;date_entree;date_sortie;motif_sortie;difficultes;actions;referent"
)
GOOD = [
    "R1;Zorglubette;Anaïs;2015-03-14;F;FAM1;3 rue des Lilas;oui;École du Port;rep;CE2;pmi;2024-01-10;accepte;"
    "2024-01-20;2024-02-01;2024-12-20;objectifs_atteints;scolaire|langage;accompagnement_scolaire;",
    "R1;Zorglubette;Anaïs;14/03/2015;F;FAM1;3 rue des Lilas;;École du Port;;CM1;FAMILLE;2025-01-10;en_attente;;;;;;;",
    "R2;Madi;Naël;2012-06-01;M;FAM1;3 rue des Lilas;non;Collège Nord;hors_rep;5E;education_nationale;2025-03-01;"
    "accepte;2025-03-10;2025-03-15;;;comportement;;",
]
TABLES = (Child, ChildIdentity, ChildSearchIndex, Parcours, ParcoursCode, ParcoursDetails, AuditEvent)


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\ufeff" + "\n".join([header, *rows]) + "\n").encode("utf-8")


def good_rows() -> list[str]:
    return list(GOOD)


def counts(session: Session) -> dict[str, int]:
    return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0 for model in TABLES}


def run(session: Session, programme: Programme, data: bytes, **kwargs: object) -> list[str]:
    report = import_csv(session, data, programme, actor_id=None, today=TODAY, **kwargs)  # type: ignore[arg-type]
    return [str(e) for e in report.errors]


def test_a_valid_file_creates_children_and_parcours(session: Session, world: World) -> None:
    before = counts(session)
    report = import_csv(session, csv(*good_rows()), world.programme, actor_id=world.coordinateur.id, today=TODAY)
    assert report.errors == []
    assert (report.rows, report.children_created, report.parcours_created) == (3, 2, 3)
    after = counts(session)
    assert after["children"] - before["children"] == 2
    assert after["parcours"] - before["parcours"] == 3
    child = session.scalar(select(Child).where(Child.ref_digest == ref_digest(world.programme.id, "R1")))
    assert child is not None and child.imported and child.annee_naissance == 2015 and child.sexe == "F"
    identity = read_identity(child)
    assert (identity.nom, identity.prenom, identity.ref_famille) == ("Zorglubette", "Anaïs", "FAM1")
    first, second = child.parcours
    assert first.imported and first.cycle == "elementaire" and first.qpv == "oui" and first.rep == "rep"
    assert first.codes_of("difficulte") == ["langage", "scolaire"]
    assert first.codes_of("action") == ["accompagnement_scolaire"]
    assert (first.date_entree, first.date_sortie, first.motif_sortie) == (
        date(2024, 2, 1),
        date(2024, 12, 20),
        "objectifs_atteints",
    )
    assert second.orienteur == "famille" and second.decision_eps == "en_attente" and second.qpv is None
    sibling = session.scalar(select(Child).where(Child.ref_digest == ref_digest(world.programme.id, "R2")))
    assert sibling is not None and sibling.famille_digest == child.famille_digest
    assert audit.verify(session) is None
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor_id == world.coordinateur.id).order_by(AuditEvent.id)
    ).all()
    assert actions == ["child.create", "child.create", "import"]


def test_identity_and_school_are_encrypted(session: Session, world: World) -> None:
    assert run(session, world.programme, csv(*good_rows())) == []
    child = session.scalar(select(Child).where(Child.ref_digest == ref_digest(world.programme.id, "R1")))
    assert child is not None
    stored = session.get(ChildIdentity, child.id)
    assert stored is not None
    for column in ("nom", "prenom", "date_naissance", "adresse", "ref_enfant", "ref_famille"):
        value = getattr(stored, column)
        assert b"Zorglubette" not in value and b"Lilas" not in value and b"2015" not in value and b"R1" not in value
    payloads = session.scalars(
        select(ParcoursDetails.payload).join(Parcours).where(Parcours.child_id == child.id)
    ).all()
    assert payloads and all(b"Port" not in p for p in payloads)


def test_importing_the_same_file_twice_changes_nothing(session: Session, world: World) -> None:
    data = csv(*good_rows())
    assert run(session, world.programme, data) == []
    before = counts(session)
    report = import_csv(session, data, world.programme, actor_id=None, today=TODAY)
    assert report.errors == []
    assert (report.children_created, report.parcours_created, report.parcours_updated) == (0, 0, 0)
    assert report.parcours_unchanged == 3
    after = counts(session)
    assert after["audit_events"] == before["audit_events"] + 1  # the import itself, nothing else
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }


def test_a_known_parcours_with_new_values_is_updated(session: Session, world: World) -> None:
    assert run(session, world.programme, csv(*good_rows())) == []
    rows = good_rows()
    rows[2] = rows[2].replace(";;;comportement;;", ";2025-06-30;demenagement;comportement|sante;parentalite;")
    report = import_csv(session, csv(*rows), world.programme, actor_id=None, today=TODAY)
    assert report.errors == []
    assert (report.parcours_created, report.parcours_updated, report.parcours_unchanged) == (0, 1, 2)
    parcours = session.scalar(select(Parcours).where(Parcours.date_orientation == date(2025, 3, 1)))
    assert parcours is not None
    session.refresh(parcours)
    assert parcours.date_sortie == date(2025, 6, 30) and parcours.motif_sortie == "demenagement"
    assert parcours.codes_of("difficulte") == ["comportement", "sante"]
    assert parcours.codes_of("action") == ["parentalite"]


def test_dry_run_writes_nothing(session: Session, world: World) -> None:
    before = counts(session)
    report = import_csv(session, csv(*good_rows()), world.programme, actor_id=None, dry_run=True, today=TODAY)
    assert report.errors == [] and report.children_created == 2 and report.parcours_created == 3
    assert counts(session) == before


def test_referent_is_assigned_when_known_in_the_programme(session: Session, world: World) -> None:
    rows = good_rows()
    rows[2] = rows[2] + world.referent.email.upper()
    assert run(session, world.programme, csv(*rows)) == []
    child = session.scalar(select(Child).where(Child.ref_digest == ref_digest(world.programme.id, "R2")))
    assert child is not None and child.referent_id == world.referent.id


BROKEN = {
    "bad code": (2, "rep", lambda r: r.replace(";rep;CE2;", ";zep;CE2;")),
    "impossible date": (2, "date_naissance", lambda r: r.replace("2015-03-14", "31/02/2015")),
    "future date": (2, "date_orientation", lambda r: r.replace("2024-01-10", "2027-01-10")),
    "entry without acceptance": (2, "date_entree", lambda r: r.replace(";accepte;", ";refuse;")),
    "exit before entry": (2, "date_sortie", lambda r: r.replace("2024-12-20", "2024-01-31")),
    "exit without reason": (2, "motif_sortie", lambda r: r.replace("objectifs_atteints", "")),
    "reason without exit": (2, "motif_sortie", lambda r: r.replace("2024-12-20", "")),
    "entry before orientation": (2, "date_entree", lambda r: r.replace("2024-02-01", "2023-12-01")),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_row_refuses_the_whole_file(session: Session, world: World, kind: str) -> None:
    line, column, breaks = BROKEN[kind]
    rows = good_rows()
    rows[line - 2] = breaks(rows[line - 2])
    before = counts(session)
    errors = run(session, world.programme, csv(*rows))
    assert any(e.startswith(f"line {line}, column {column}: ") for e in errors), errors
    assert counts(session) == before


def test_inconsistent_identity_overlap_and_duplicate_are_named(session: Session, world: World) -> None:
    rows = good_rows()
    rows.append(rows[2].replace("Naël", "Noé").replace("2025-03-01", "2025-04-01").replace("2025-03-15", "2025-04-02"))
    rows.append(rows[0])
    before = counts(session)
    errors = run(session, world.programme, csv(*rows))
    assert "line 5, column prenom: différent de la ligne 4 pour le même ref_enfant (un enfant, une identité)" in errors
    assert any(e.startswith("line 5, column date_entree: parcours accepté qui chevauche") for e in errors), errors
    assert any(e.startswith("line 6, column date_orientation: parcours en double") for e in errors), errors
    assert counts(session) == before


def test_unknown_or_foreign_referent_is_refused(session: Session, world: World) -> None:
    foreign = make_user(session, world.foreign_programme, "referent")
    rows = good_rows()
    rows[0] += "personne@nulle.part"
    rows[2] += foreign.email
    before = counts(session)
    errors = run(session, world.programme, csv(*rows))
    assert [e.split(":")[0] for e in errors] == ["line 2, column referent", "line 4, column referent"]
    assert counts(session) == before


def test_missing_and_unknown_columns_are_refused(session: Session, world: World) -> None:
    header = HEADER.replace("orienteur;", "").replace("referent", "remarque")
    rows = [";".join(r.split(";")[:11] + r.split(";")[12:]) for r in good_rows()]
    before = counts(session)
    errors = run(session, world.programme, csv(*rows, header=header))
    assert "line 1, column orienteur: colonne obligatoire absente de l'en-tête" in errors
    assert "line 1, column remarque: colonne inconnue (voir le format d'import)" in errors
    assert counts(session) == before


def test_every_error_is_listed_at_once_in_file_order(session: Session, world: World) -> None:
    rows = good_rows()
    rows[0] = rows[0].replace(";pmi;", ";PMIX;").replace(";F;", ";X;")
    rows[2] = rows[2].replace("2025-03-15", "15/13/2025")
    report = import_csv(session, csv(*rows), world.programme, actor_id=None, today=TODAY)
    assert [(e.line, e.column) for e in report.errors] == [(2, "sexe"), (2, "orienteur"), (4, "date_entree")]
    assert all(isinstance(e, ImportIssue) for e in report.errors)


def test_a_known_child_must_keep_its_identity(session: Session, world: World) -> None:
    assert run(session, world.programme, csv(*good_rows())) == []
    rows = good_rows()
    rows[2] = rows[2].replace("2012-06-01", "2012-06-02")
    before = counts(session)
    errors = run(session, world.programme, csv(*rows))
    assert errors == ["line 4, column date_naissance: ne correspond pas à l'enfant déjà enregistré avec ce ref_enfant"]
    assert counts(session) == before


def test_an_overlap_with_a_stored_parcours_is_refused(session: Session, world: World) -> None:
    assert run(session, world.programme, csv(*good_rows())) == []
    row = good_rows()[2].replace("2025-03-01", "2025-05-01").replace("2025-03-15", "2025-05-02")
    errors = run(session, world.programme, csv(row))
    assert errors == [
        "line 2, column date_entree: parcours accepté qui chevauche celui de un parcours déjà enregistré "
        "pour le même enfant"
    ]


def test_the_same_references_in_another_programme_are_other_children(session: Session, world: World) -> None:
    assert run(session, world.programme, csv(*good_rows())) == []
    other = make_programme(session)
    report = import_csv(session, csv(*good_rows()), other, actor_id=None, today=TODAY)
    assert report.errors == [] and report.children_created == 2


def test_comma_delimiter_and_windows_line_endings(session: Session, world: World) -> None:
    rows = [r.replace(";", ",") for r in good_rows()]
    data = ("\r\n".join([HEADER.replace(";", ","), *rows]) + "\r\n").encode("utf-8")
    report = import_csv(session, data, world.programme, actor_id=None, today=TODAY)
    assert report.errors == [] and report.parcours_created == 3


def test_the_fixture_file_imports_whole(session: Session) -> None:
    programme = make_programme(session)
    report = import_csv(session, (FIXTURES / "parcours-exemple.csv").read_bytes(), programme, actor_id=None)
    assert report.errors == [] and report.rows == report.parcours_created == 60
