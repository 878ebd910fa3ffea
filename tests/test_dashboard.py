"""The coordinator's indicators page and its downloads, after importing the fixture caseload."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from typing import Any
from xml.etree import ElementTree

import pikepdf
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.imports.services import import_csv
from app.indicators.charts import bar_chart
from app.indicators.summary import BREAKDOWNS, Row, code_label, value_at
from tests.conftest import FIXTURES
from tests.factories import World, make_programme, make_user
from tests.test_indicators_fixtures import _expected_part

ROUTES = [
    "/indicateurs",
    "/indicateurs?annee=2025",
    "/indicateurs/2025.pdf",
    "/indicateurs/2025.csv",
    "/indicateurs/2025.json",
]


def expected(year: int) -> dict[str, Any]:
    return json.loads((FIXTURES / f"indicateurs-exemple-{year}.json").read_text(encoding="utf-8"))


@pytest.fixture()
def coordinator(session: Session, login_as) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A coordinator of a programme holding exactly the fixture caseload."""
    programme = make_programme(session)
    user = make_user(session, programme, "coordinateur")
    report = import_csv(session, (FIXTURES / "parcours-exemple.csv").read_bytes(), programme, user.id)
    assert not report.errors, [str(e) for e in report.errors]
    session.commit()
    return login_as(user)  # type: ignore[no-any-return]


def flat(page: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html.unescape(page)))


def test_dashboard_shows_every_figure_of_the_year_beside_the_previous_one(coordinator: FlaskClient) -> None:
    response = coordinator.get("/indicateurs?annee=2025")
    assert response.status_code == 200
    page = flat(response.get_data(as_text=True))
    now, before = expected(2025), expected(2024)
    assert '<option value="2025" selected>2025</option>' in page
    assert '<span class="key-label">Enfants suivis</span><span class="key-value">26</span>' in page
    assert '<span class="key-previous">2024 : 18 <span class="key-difference">(évolution +8)' in page
    assert '<span class="key-value">12,2</span>' in page  # mean duration, French decimal
    for item in BREAKDOWNS:
        for code, value in value_at(now, item.path).items():
            row = (
                f'<th scope="row">{code_label(item.dimension, code)}</th><td class="number">{value}</td>'
                f'<td class="number previous">{value_at(before, item.path)[code]}</td>'
            )
            assert row in page, (item.path, code)
    # and the EPS activity (2 charts) and collective actions (1); no evaluation nor programme data yet
    assert page.count('role="img"') == len(BREAKDOWNS) + 3
    assert "Aucune évaluation de sortie sur la période." in page
    assert '<title id="graphique-enfants-suivis-par-sexe-titre">Enfants suivis par sexe en 2025</title>' in page
    assert "Le nombre d'enfants suivis augmente de 44 % (de 18 à 26)." in page
    assert "Règles de comptage" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and "style=" not in page  # no inline script or style


def test_year_selector_defaults_to_this_year_and_rejects_nonsense(coordinator: FlaskClient) -> None:
    assert coordinator.get("/indicateurs").status_code == 200
    assert coordinator.get("/indicateurs?annee=1850").status_code == 404
    assert coordinator.get("/indicateurs?annee=abc").status_code == 200
    page = coordinator.get("/indicateurs?annee=2026").get_data(as_text=True)
    assert '<option value="2023">2023</option>' in page


def test_one_click_annual_report_pdf(coordinator: FlaskClient, session: Session) -> None:
    response = coordinator.get("/indicateurs/2025.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    with pikepdf.open(io.BytesIO(response.data)) as pdf:
        assert len(pdf.pages) >= 3
        assert str(pdf.docinfo["/Title"]).startswith("Bilan annuel 2025 — PRE de test")
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None and (event.action, event.target_id) == ("indicators.export", "2025.pdf")


def test_csv_and_json_downloads_hold_the_fixture_figures(coordinator: FlaskClient) -> None:
    data = json.loads(coordinator.get("/indicateurs/2026.json").get_data(as_text=True))
    v2 = json.loads((FIXTURES / "indicateurs-v2-2026.json").read_text(encoding="utf-8"))
    assert _expected_part(v2, data) == []
    text = coordinator.get("/indicateurs/2024.csv").data.decode("utf-8")
    assert text.startswith("\ufeffindicateur;libelle;code;libelle_code;valeur")
    rows = [row[::2] for row in csv.reader(io.StringIO(text[1:]), delimiter=";")]
    assert ["enfants_suivis.total", "", str(expected(2024)["enfants_suivis"]["total"])] in rows


@pytest.mark.parametrize("role", ["referent", "eps", "admin"])
def test_other_roles_get_404_on_every_indicators_route(world: World, login_as, role: str) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.users()[role])
    for route in ROUTES:
        assert client.get(route).status_code == 404, route


def test_a_coordinator_sees_only_their_programme(world: World, coordinator: FlaskClient, login_as) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(login_as(world.coordinateur).get("/indicateurs/2025.json").get_data(as_text=True))
    assert data["orientations"]["total"] == 2  # the two children of the world, not the fixture caseload


def test_chart_is_accessible_svg_with_escaped_labels() -> None:
    rows = [Row("a", "<script>alert(1)</script> & co", 3, 1), Row("b", "Autre", 0, None)]
    svg = str(bar_chart('x"y', "Titre < test", rows, 2025, 2024))
    tree = ElementTree.fromstring(svg)  # noqa: S314 - our own output; well-formed only if every label is escaped
    namespace = "{http://www.w3.org/2000/svg}"
    assert tree.get("role") == "img"
    assert tree.find(f"{namespace}title").text == "Titre < test"  # type: ignore[union-attr]
    description = tree.find(f"{namespace}desc").text  # type: ignore[union-attr]
    assert description == "2025. <script>alert(1)</script> & co : 3 (2024 : 1) ; Autre : 0 (2024 : —)."
    assert "<script>" not in svg
    widths = [float(rect.get("width", 0)) for rect in tree.iter(f"{namespace}rect")]
    assert max(widths) > 0 and 0.0 in widths  # the largest value fills the width, a zero draws no bar


def test_external_report_download_is_audited_and_named(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.coordinateur)
    response = client.get("/indicateurs/2025.pdf?diffusion=externe")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "diffusion-externe" in response.headers["Content-Disposition"]
    assert "diffusion=externe" in client.get("/indicateurs?annee=2025").get_data(as_text=True)


def test_the_selector_offers_school_years_and_shows_one(coordinator: FlaskClient) -> None:
    page = coordinator.get("/indicateurs?annee=2025-2026").get_data(as_text=True)
    assert '<option value="2025-2026" selected>2025-2026</option>' in page
    assert "Indicateurs 2025-2026" in page and "2024-2025" in page  # compared with the school year before
    assert coordinator.get("/indicateurs/2025-2026.csv").status_code == 200
    assert coordinator.get("/indicateurs/2025-2027.csv").status_code == 404
