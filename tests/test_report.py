"""The annual report PDF and the CSV for the State's questionnaire, built from fixture results."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
from hypothesis import given, settings
from hypothesis import strategies as st

from app.indicators.export import neutralise, to_csv, to_pdf
from app.indicators.summary import mask_small_counts, reading
from tests.conftest import FIXTURES
from tests.network_helpers import recoverable_cells


def fixture(year: int) -> dict[str, Any]:
    result = json.loads((FIXTURES / f"indicateurs-exemple-{year}.json").read_text(encoding="utf-8"))
    result["programme"] = "PRE97"
    return result


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "bilan.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return " ".join(text.replace("\u00a0", " ").split())


def test_report_is_a_pdf_with_programme_year_key_figures_reading_and_annex(tmp_path: Path) -> None:
    pdf = to_pdf(fixture(2025), fixture(2024), "PRE de Mamoudzou")
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    assert "Bilan annuel 2025" in text and "PRE de Mamoudzou" in text
    assert "Enfants suivis 26 18 +8" in text
    assert "Familles aidées 24 16 +8" in text
    assert "Durée moyenne des parcours terminés (mois) 12,2 6,0 +6,2" in text
    assert "Le nombre d'enfants suivis augmente de 44 % (de 18 à 26)." in text
    assert "Le nombre de parcours commencés diminue de 8 % (de 12 à 11)." in text
    assert "Annexe — Règles de comptage" in text and "30,4375" in text
    assert "Refus ou retrait de la famille 5 0 +5" in text  # a breakdown table, with labels not codes


def test_every_font_of_the_report_is_embedded_truetype(tmp_path: Path) -> None:
    with pikepdf.open(io.BytesIO(to_pdf(fixture(2026), fixture(2025), "PRE de test"))) as pdf:
        fonts = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"]
        assert fonts
        for font in fonts:
            descriptors = [font] + [pdf.get_object(d.objgen) for d in font.get("/DescendantFonts", [])]
            assert any("/FontFile2" in d.get("/FontDescriptor", {}) for d in descriptors), font.get("/BaseFont")


def test_report_without_previous_year_still_renders(tmp_path: Path) -> None:
    text = pdf_text(to_pdf(fixture(2024), None, "PRE de test"), tmp_path)
    assert "Bilan annuel 2024" in text and "Enfants suivis 18 — —" in text


def test_reading_names_direction_percent_and_values() -> None:
    before, after = fixture(2024), fixture(2025)
    after["enfants_suivis"]["total"], before["enfants_suivis"]["total"] = 56, 50
    after["familles_aidees"] = before["familles_aidees"]
    after["orientations"]["total"], before["orientations"]["total"] = 4, 0
    sentences = reading(after, before)
    assert "Le nombre d'enfants suivis augmente de 12 % (de 50 à 56)." in sentences
    assert f"Le nombre de familles aidées est stable ({after['familles_aidees']})." in sentences
    assert "Le nombre d'orientations reçues passe de 0 à 4." in sentences


def test_csv_has_bom_semicolons_and_one_row_per_figure() -> None:
    text = to_csv(fixture(2025))
    assert text.startswith("\ufeffindicateur;libelle;code;libelle_code;valeur\r\n")
    labelled = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert ["orientations.total", "Orientations reçues", "", "", "24"] in labelled
    assert ["enfants_suivis.par_sexe", "Enfants suivis par sexe", "M", "Garçon", "18"] in labelled
    rows = [[name, code, value] for name, _label, code, _code_label, value in labelled]
    assert ["orientations.total", "", "24"] in rows
    assert ["enfants_suivis.par_sexe", "M", "18"] in rows
    assert ["enfants_suivis.qpv", "non_renseigne", "12"] in rows
    assert ["sorties.duree.moyenne_mois", "", "12,2"] in rows
    assert ["sorties.duree.par_tranche", "24_mois_et_plus", "1"] in rows
    # One row per figure of the result, whatever the nomenclature holds today: no figure lost or doubled.
    assert len(rows) == 1 + _figures(fixture(2025))
    assert len({(name, code) for name, code, _value in rows}) == len(rows)


def _figures(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_figures(v) for v in value.values())
    return 1


def test_csv_neutralises_formula_cells() -> None:
    result = fixture(2025)
    result["programme"] = '=HYPERLINK("http://x")'
    result["enfants_suivis"]["par_sexe"]["@SUM(A1)"] = -3
    rows = [row[::2] for row in csv.reader(io.StringIO(to_csv(result)[1:]), delimiter=";")]
    assert ["programme", "", '\'=HYPERLINK("http://x")'] in rows
    assert ["enfants_suivis.par_sexe", "'@SUM(A1)", "'-3"] in rows


cells = st.one_of(st.text(max_size=12), st.integers(-1000, 1000), st.none())


@settings(max_examples=60, deadline=None)
@given(
    extra=st.dictionaries(st.text(min_size=1, max_size=12), cells, max_size=5),
    codes=st.dictionaries(st.text(min_size=1, max_size=12), st.integers(-5, 5), max_size=5),
)
def test_no_csv_cell_can_start_a_formula(extra: dict[str, Any], codes: dict[str, int]) -> None:
    result = fixture(2025)
    result.update({key: value for key, value in extra.items() if key not in result})
    result["orientations"]["par_orienteur"].update(codes)
    rows = list(csv.reader(io.StringIO(to_csv(result)[1:], newline=""), delimiter=";"))
    for row in rows:
        assert len(row) == 5
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row


@given(st.text(max_size=20))
@settings(max_examples=60)
def test_neutralise_keeps_text_readable(cell: str) -> None:
    out = neutralise(cell)
    assert out == cell or out == "'" + cell
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_external_version_masks_small_counts_and_keeps_totals() -> None:
    result = fixture(2025)
    masked = mask_small_counts(result)
    for path in ("enfants_suivis.par_sexe", "orientations.par_orienteur", "sorties.duree.par_tranche"):
        section, *rest = path.split(".")
        exact, shown = result[section], masked[section]
        for key in rest:
            exact, shown = exact[key], shown[key]
        for code, count in exact.items():
            assert shown[code] == "< 5" if 0 < count < 5 else shown[code] in (count, "secret"), (path, code)
    # A lone masked cell would come back by subtracting the others from the exact total.
    assert recoverable_cells({"par_programme": {"P": masked}, "total": masked}) == []
    assert masked["enfants_suivis"]["rep"]["rep_plus"] == "secret"  # 4 non renseigné = total − 8 − 8 − 6
    assert masked["enfants_suivis"]["total"] == result["enfants_suivis"]["total"]
    assert masked["parcours"] == result["parcours"]
    assert result["enfants_suivis"]["par_sexe"] == fixture(2025)["enfants_suivis"]["par_sexe"]  # not modified
    few_exits = {**result, "parcours": {**result["parcours"], "sortis": 3}}
    assert mask_small_counts(few_exits)["sorties"]["duree"]["moyenne_mois"] in ("< 5", None)


def test_external_pdf_and_csv_show_masked_counts(tmp_path: Path) -> None:
    masked = mask_small_counts(fixture(2025))
    text = pdf_text(to_pdf(masked, mask_small_counts(fixture(2024)), "PRE de Test"), tmp_path)
    assert "< 5" in text and "diffusion hors du programme" in text
    rows = [row[::2] for row in csv.reader(io.StringIO(to_csv(masked).lstrip("\ufeff")), delimiter=";")]
    assert ["diffusion", "", "externe"] in rows
    assert any(row[2] == "< 5" for row in rows[1:])
