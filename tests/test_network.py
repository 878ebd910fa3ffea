"""A département's network: share files, the consolidated table, its masked external version."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import zipfile
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.cli import main
from app.crypto.certificates import KeyMaterial, self_signed
from app.indicators import suppression
from app.indicators.compute import compute, empty_result, mean_months
from app.network import consolidate, export, services
from app.network.share import ShareError, Trust, build_share
from tests.factories import make_child, make_parcours, make_programme
from tests.network_helpers import MASKS, leaves, recoverable_cells

FORM_SET = ("Documents harmonisés des PRE", 1)
YEAR = 2025


@cache
def material(name: str) -> KeyMaterial:
    return self_signed(f"PRE {name} ({name}) - cachet Parcours", f"PRE {name}")


def _children(session: Session, programme: Any, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        child = make_child(session, programme, None, sexe=row.pop("sexe", "F"), date_naissance=row.pop("born"))
        make_parcours(session, child, decision_eps="accepte", **row)


def three_programmes(session: Session) -> dict[str, dict[str, Any]]:
    """Three PRE with different data: a large one, a very small one, one with long parcours."""
    a, b, c = make_programme(session, "PRE-A"), make_programme(session, "PRE-B"), make_programme(session, "PRE-C")
    common = {"date_orientation": date(2024, 1, 15), "date_decision": date(2024, 2, 1)}
    _children(
        session,
        a,
        [
            {**common, "sexe": "F" if i % 2 else "M", "born": date(2014 + i % 3, 5, 1), "date_entree": date(2024, 3, 1)}
            | ({"date_sortie": date(2025, 6, 30), "motif_sortie": "objectifs_atteints"} if i < 5 else {})
            | {"orienteur": "education_nationale" if i < 7 else "pmi", "date_orientation": date(2025, 1, 10 + i)}
            for i in range(9)
        ],
    )
    _children(
        session,
        b,
        [
            {**common, "born": date(2016, 1, 1), "date_entree": date(2025, 1, 10), "date_sortie": date(2025, 3, 1)}
            | {"motif_sortie": "demenagement", "orienteur": "famille", "date_orientation": date(2025, 1, 2)},
            {**common, "sexe": "M", "born": date(2012, 1, 1), "date_entree": date(2025, 2, 1), "orienteur": "ase"},
        ],
    )
    _children(
        session,
        c,
        [
            {**common, "sexe": "M" if i < 4 else "F", "born": date(2010 + i, 9, 9), "date_entree": date(2023, 1, 1)}
            | ({"date_sortie": date(2025, 12, 31), "motif_sortie": "relais_droit_commun"} if i < 3 else {})
            for i in range(6)
        ],
    )
    return {p.code: compute(session, p.id, YEAR) for p in (a, b, c)}


def share_files(parts: dict[str, dict[str, Any]], form_set: tuple[str, int] = FORM_SET) -> list[tuple[str, bytes]]:
    return [(f"{code}.zip", build_share(result, *form_set, material(code))) for code, result in parts.items()]


def trust(*codes: str) -> Trust:
    return services.trust_of([material(code).certificate_pem for code in codes], {})


ALL = ("PRE-A", "PRE-B", "PRE-C")


@pytest.fixture()
def parts(session: Session) -> dict[str, dict[str, Any]]:
    return three_programmes(session)


def test_totals_are_the_sums_and_the_mean_comes_from_total_days(parts: dict[str, dict[str, Any]]) -> None:
    table = services.table_from_shares(share_files(parts), trust(*ALL), str(YEAR))
    assert table["programmes"] == list(ALL)
    assert table["form_set"] == {"name": FORM_SET[0], "version": FORM_SET[1]}
    assert table["periode"] == {"debut": "2025-01-01", "fin": "2025-12-31"}
    totals = leaves(table["total"])
    for path, value in totals.items():
        assert value == sum(leaves(parts[code])[path] for code in ALL), path
    assert totals["enfants_suivis/total"] == 17 and totals["parcours/sortis"] == 9
    days = 5 * 486 + 50 + 3 * 1095
    assert totals["sorties/duree/jours_total"] == days
    assert table["total"]["sorties"]["duree"]["moyenne_mois"] == mean_months(days, 9) == 21.0
    means = [parts[code]["sorties"]["duree"]["moyenne_mois"] for code in ALL]
    assert round(sum(means) / 3, 1) != 21.0  # the mean of the means would be wrong


def _rezip(content: bytes, change: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            target.writestr(name, change.get(name, source.read(name)))
    return buffer.getvalue()


def _refusal(case: str, parts: dict[str, dict[str, Any]]) -> tuple[list[tuple[str, bytes]], bytes, str]:
    files = share_files(parts)
    trusted = trust(*ALL)
    name, content = files[1]
    if case == "signature":
        data = zipfile.ZipFile(io.BytesIO(content)).read("indicateurs.json").replace(b'"total": 2', b'"total": 3', 1)
        files[1] = (name, _rezip(content, {"indicateurs.json": data}))
        return files, trusted, "signature invalide"
    if case == "octet":
        altered = bytearray(content)
        altered[len(altered) // 3] ^= 0x01
        files[1] = (name, bytes(altered))
        return files, trusted, ""
    if case == "non_reconnu":
        return files, trust("PRE-A", "PRE-C"), "certificats de confiance"
    if case == "periode":
        files[1] = (name, build_share({**parts["PRE-B"], "annee": 2024}, *FORM_SET, material("PRE-B")))
        return files, trusted, "période"
    if case == "jeu":
        files[1] = (name, build_share(parts["PRE-B"], FORM_SET[0], 2, material("PRE-B")))
        return files, trusted, "jeu de formulaires"
    if case == "doublon":
        files[1] = ("PRE-A-bis.zip", build_share(parts["PRE-A"], *FORM_SET, material("PRE-A")))
        return files, trusted, "déjà fourni"
    if case == "usurpation":
        files[1] = (name, build_share(parts["PRE-A"], *FORM_SET, material("PRE-B")))
        return files, trusted, "n'est pas celui du programme PRE-A"
    raise AssertionError(case)


REFUSALS = ["signature", "octet", "non_reconnu", "periode", "jeu", "doublon", "usurpation"]


@pytest.mark.parametrize("case", REFUSALS)
def test_a_bad_share_is_refused_naming_the_file(case: str, parts: dict[str, dict[str, Any]]) -> None:
    files, trusted, reason = _refusal(case, parts)
    with pytest.raises(ShareError) as refused:
        services.table_from_shares(files, trusted, str(YEAR))
    assert files[1][0] in str(refused.value) and reason in str(refused.value)


def test_the_command_refuses_with_exit_1_naming_the_file(parts: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"PARCOURS_INSTANCE": str(tmp_path / "aucune-instance")}
    certificates = []
    for code in ALL:
        (tmp_path / f"{code}.pem").write_bytes(material(code).certificate_pem)
        certificates += ["--trust", str(tmp_path / f"{code}.pem")]
    for case in REFUSALS:
        files, _trusted, _reason = _refusal(case, parts)
        paths = []
        for name, content in files:
            (tmp_path / name).write_bytes(content)
            paths.append(str(tmp_path / name))
        trusted = certificates if case != "non_reconnu" else certificates[:2] + certificates[4:]
        result = runner.invoke(main, ["network", "consolidate", "--year", str(YEAR), *paths, *trusted], env=env)
        assert result.exit_code == 1, (case, result.output)
        assert files[1][0] in result.output, case
    for code in ALL:
        (tmp_path / f"{code}.zip").write_bytes(dict(share_files(parts))[f"{code}.zip"])
    paths = [str(tmp_path / f"{code}.zip") for code in ALL]
    result = runner.invoke(
        main, ["network", "consolidate", "--year", str(YEAR), *paths, *certificates, "--format", "csv"], env=env
    )
    assert result.exit_code == 0, result.output
    header, *rows = result.output.lstrip("\ufeff").splitlines()
    assert header == "indicateur;code;PRE-A;PRE-B;PRE-C;total"
    assert "enfants_suivis.total;;9;2;6;17" in rows


def test_a_certificate_naming_no_code_signs_only_for_the_programme_it_is_trusted_for(
    parts: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """A real seal certificate (« Commune de X ») names no code: trusted plainly it speaks for no
    programme; trusted as CODE=CERT.pem it speaks for CODE, and for CODE only."""
    commune = self_signed("Commune de Saint-Exemple - cachet", "Commune de Saint-Exemple")
    own = build_share(parts["PRE-A"], *FORM_SET, commune)
    usurped = build_share(parts["PRE-B"], *FORM_SET, commune)
    pem = tmp_path / "commune.pem"
    pem.write_bytes(commune.certificate_pem)
    (tmp_path / "a.zip").write_bytes(own)
    (tmp_path / "b.zip").write_bytes(usurped)
    env = {"PARCOURS_INSTANCE": str(tmp_path / "aucune-instance")}

    def consolidate(share: str, trust_option: str) -> Any:
        args = ["network", "consolidate", "--year", str(YEAR), str(tmp_path / share), "--trust", trust_option]
        return CliRunner().invoke(main, args, env=env)

    plain = consolidate("a.zip", str(pem))
    assert plain.exit_code == 1 and "ne contient pas « (PRE-A) »" in plain.output
    assert consolidate("a.zip", f"PRE-A={pem}").exit_code == 0
    other = consolidate("b.zip", f"PRE-A={pem}")
    assert other.exit_code == 1 and "pas parmi les certificats de confiance" in other.output
    bound_elsewhere = services.trust_of(
        [material("PRE-A").certificate_pem], {"PRE-B": [material("PRE-B").certificate_pem]}
    )
    with pytest.raises(ShareError, match="certificats de confiance du programme PRE-B"):
        services.table_from_shares(
            [("b.zip", build_share(parts["PRE-B"], *FORM_SET, material("PRE-A")))], bound_elsewhere, str(YEAR)
        )


def test_the_external_table_hides_small_counts_and_nothing_can_be_recovered(parts: dict[str, dict[str, Any]]) -> None:
    table = services.table_from_shares(share_files(parts), trust(*ALL), str(YEAR))
    masked = consolidate.external(table)
    exact = {**table["par_programme"], "total": table["total"]}
    shown = {**masked["par_programme"], "total": masked["total"]}
    hidden = 0
    for column, result in exact.items():
        published = leaves(shown[column])
        for path, value in leaves(result).items():
            if published[path] in MASKS:
                hidden += 1
            else:
                assert published[path] == value, (column, path)
                assert not 0 < value < 5, (column, path, value)
    assert hidden and masked["par_programme"]["PRE-B"]["enfants_suivis"]["total"] == "< 5"
    assert masked["par_programme"]["PRE-B"]["sorties"]["duree"]["moyenne_mois"] in MASKS
    assert recoverable_cells(masked) == []


def test_the_check_finds_what_small_count_masking_alone_leaves_recoverable(parts: dict[str, dict[str, Any]]) -> None:
    """Without complementary cells, subtraction gives the masked values back: the check must see it."""
    table = services.table_from_shares(share_files(parts), trust(*ALL), str(YEAR))
    primary_only = copy.deepcopy(table)
    for result in [*primary_only["par_programme"].values(), primary_only["total"]]:
        for path, value in leaves(result).items():
            if 0 < value < 5:
                *parents, key = path.split("/")
                node = result
                for part in parents:
                    node = node[part]
                node[key] = "< 5"
    assert recoverable_cells(primary_only)


def _composition(draw: st.DrawFn, total: int, size: int) -> list[int]:
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=size - 1, max_size=size - 1)))
    bounds = [0, *cuts, total]
    return [bounds[i + 1] - bounds[i] for i in range(size)]


@st.composite
def indicators(draw: st.DrawFn, code: str) -> dict[str, Any]:
    """A programme's indicators with small counts, breakdowns summing to their totals."""
    result = empty_result(YEAR, code)
    margins = {"orientations/total": draw(st.integers(0, 14)), "enfants_suivis/total": draw(st.integers(0, 14))}
    margins["parcours/sortis"] = draw(st.integers(0, 8))
    for breakdown, margin in suppression.PARTITIONS.items():
        node = result
        for key in breakdown:
            node = node[key]
        values = _composition(draw, margins["/".join(margin)], len(node))
        for key, value in zip(list(node), values, strict=True):
            node[key] = value
    for section, key in (("orientations", "total"), ("enfants_suivis", "total"), ("parcours", "sortis")):
        result[section][key] = margins[f"{section}/{key}"]
    for breakdown in ("par_difficulte", "par_action"):
        for key in result["enfants_suivis"][breakdown]:
            result["enfants_suivis"][breakdown][key] = draw(st.integers(0, 7))
    result["familles_aidees"] = draw(st.integers(0, margins["enfants_suivis/total"]))
    sortis = margins["parcours/sortis"]
    result["sorties"]["duree"]["jours_total"] = draw(st.integers(sortis, 800 * sortis))
    result["sorties"]["duree"]["moyenne_mois"] = mean_months(result["sorties"]["duree"]["jours_total"], sortis)
    return result


@settings(max_examples=12)
@given(st.data())
def test_no_masked_cell_of_any_table_can_be_recovered(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 4))
    parts = {f"P{i}": data.draw(indicators(f"P{i}")) for i in range(count)}
    masked = consolidate.external(consolidate.table(parts, str(YEAR), {"name": "x", "version": 1}))
    assert recoverable_cells(masked) == []
    for column in [*masked["par_programme"].values(), masked["total"]]:
        assert not any(isinstance(v, int) and 0 < v < 5 for v in leaves(column).values())


def test_a_share_holds_the_exact_indicators_signed_and_no_child(session: Session, tmp_path: Path) -> None:
    programme = make_programme(session, "PRE-S")
    child = make_child(session, programme, None, nom="Ahamada", prenom="Zaïna")
    make_parcours(
        session, child, decision_eps="accepte", date_entree=date(2025, 2, 1), date_orientation=date(2025, 1, 5)
    )
    content = services.make_share(session, programme, YEAR, tmp_path / "keys", FORM_SET, None)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(archive.namelist()) == ["certificate.pem", "indicateurs.json", "indicateurs.json.sig"]
    for name in archive.namelist():
        (tmp_path / name).write_bytes(archive.read(name))
    data = json.loads(archive.read("indicateurs.json"))
    assert data == {
        **json.loads(json.dumps(compute(session, programme.id, YEAR))),
        "form_set": {"name": FORM_SET[0], "version": FORM_SET[1]},
    }
    text = archive.read("indicateurs.json").decode()
    assert "Ahamada" not in text and child.public_id not in text and child.pseudonym not in text
    verified = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "indicateurs.json.sig"),
            "-content",
            str(tmp_path / "indicateurs.json"),
            "-CAfile",
            str(tmp_path / "certificate.pem"),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0 and "Verification successful" in verified.stderr


def test_csv_and_pdf_of_the_table(parts: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    table = consolidate.external(services.table_from_shares(share_files(parts), trust(*ALL), str(YEAR)))
    rows = export.to_csv(table).lstrip("\ufeff").splitlines()
    assert "parcours.sortis;;5;< 5;< 5;9" in rows and "sorties.duree.jours_total;;2430;secret;secret;5765" in rows
    pdf = tmp_path / "reseau.pdf"
    pdf.write_bytes(export.to_pdf(table, "Réseau de test"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Chiffres clés par programme" in text and "PRE-B" in text and "secret" in text


def test_the_network_delay_weights_each_programme_by_its_situations_examined() -> None:
    def part(code: str, situations: int, mean: float | None) -> dict[str, Any]:
        indicators = empty_result(YEAR, code)
        indicators["eps"]["situations_examinees"] = situations
        indicators["eps"]["delai_orientation_decision_jours"] = {"moyenne": mean, "mediane": mean}
        return indicators

    parts = {"A": part("A", 3, 10.0), "B": part("B", 1, 30.0), "C": part("C", 0, None)}
    total = consolidate.table(parts, str(YEAR), {"name": "x", "version": 1})["total"]
    assert total["eps"]["situations_examinees"] == 4
    assert total["eps"]["delai_orientation_decision_jours"] == {"moyenne": 15.0, "mediane": None}


def test_the_share_command_takes_a_school_year_and_refuses_another_period(tmp_path: Path) -> None:
    from tests.test_import_cli import run

    instance = tmp_path / "instance"
    assert run(instance, "init").returncode == 0
    assert run(instance, "programmes", "add", "PRE-ECOLE", "--name", "PRE scolaire").returncode == 0
    target = tmp_path / "partage.zip"
    made = run(instance, "indicators", "--year", "2025-2026", "--share", str(target))
    assert made.returncode == 0, made.stderr
    with zipfile.ZipFile(target) as archive:
        shared = json.loads(archive.read("indicateurs.json"))
    assert shared["annee"] == "2025-2026"
    assert shared["periode"] == {"debut": "2025-09-01", "fin": "2026-08-31"}
    refused = run(instance, "indicators", "--year", "2025-2027", "--share", str(tmp_path / "autre.zip"))
    assert refused.returncode == 1 and "année scolaire (2025-2026)" in refused.stderr
    assert not (tmp_path / "autre.zip").exists()
