"""Dashboard of the yearly indicators and the one-click downloads (PDF report, CSV, JSON).

Every number comes from `compute` (SQL aggregates over code-only columns); nothing here reads a
child's record. The programme is always the coordinator's own.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from app.audit import services as audit
from app.authz import Permission, current_user, requires
from app.children.models import Parcours
from app.db import db
from app.indicators import charts, summary
from app.indicators.compute import compute
from app.indicators.services import export_indicators
from app.params import bounded_int
from app.users.models import User

bp = Blueprint("indicators", __name__, url_prefix="/indicateurs")

FIRST_YEAR = 2000


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _valid_year(year: int) -> int:
    if not FIRST_YEAR <= year <= date.today().year + 1:
        abort(404)
    return year


def _years(programme_id: int) -> list[int]:
    """Years offered in the selector: from the first orientation on record to this year."""
    first = db.session.scalar(select(func.min(Parcours.date_orientation)).where(Parcours.programme_id == programme_id))
    start = max(FIRST_YEAR, first.year if first else date.today().year)
    return list(range(date.today().year, start - 1, -1))


def _results(user: User, year: int) -> tuple[dict[str, Any], dict[str, Any]]:
    return compute(db.session, user.programme_id, year), compute(db.session, user.programme_id, year - 1)


def _audit(user: User, action: str, target: str) -> None:
    audit.record(
        db.session,
        action,
        actor_id=user.id,
        programme_id=user.programme_id,
        target_type="indicators",
        target_id=target,
    )
    db.session.commit()


@bp.get("")
@requires(Permission.INDICATORS_VIEW)
def dashboard() -> ResponseReturnValue:
    user = _user()
    requested = request.args.get("annee", "")
    number = bounded_int(requested, maximum=9999)
    year = _valid_year(number) if number is not None else date.today().year
    result, previous = _results(user, year)
    _audit(user, "indicators.view", str(year))
    blocks = []
    for item in summary.BREAKDOWNS:
        rows = summary.breakdown_rows(result, previous, item)
        chart = charts.bar_chart(f"graphique-{item.slug}", f"{item.title} en {year}", rows, year, year - 1)
        blocks.append((item, rows, chart))
    return render_template(
        "indicators/dashboard.html",
        year=year,
        previous_year=year - 1,
        years=_years(user.programme_id),
        key_figures=summary.key_figure_rows(result, previous),
        reading=summary.reading(result, previous),
        sections=[
            (heading, [b for b in blocks if b[0].path.startswith(key + ".")]) for heading, key in summary.SECTIONS
        ],
        rules=summary.COUNTING_RULES,
        small_counts_note=summary.SMALL_COUNTS_NOTE,
        format_number=summary.format_number,
        format_difference=summary.format_difference,
    )


def _download(user: User, year: int, output_format: str) -> Response:
    """`?diffusion=externe` (CSV, PDF): the version for partners outside the programme, small counts masked."""
    external = output_format != "json" and request.args.get("diffusion") == "externe"
    export = export_indicators(
        db.session,
        _valid_year(year),
        output_format,
        programme_id=user.programme_id,
        programme_name=user.programme.name,
        external=external,
        actor_id=user.id,
    )
    db.session.commit()
    code = re.sub(r"[^A-Za-z0-9_-]", "_", user.programme.code)
    response = Response(export.body, mimetype=export.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="bilan-{code}-{export.name}"'
    return response


@bp.get("/<int(max=9999):year>.pdf")
@requires(Permission.INDICATORS_VIEW)
def report_pdf(year: int) -> ResponseReturnValue:
    return _download(_user(), year, "pdf")


@bp.get("/<int(max=9999):year>.csv")
@requires(Permission.INDICATORS_VIEW)
def export_csv(year: int) -> ResponseReturnValue:
    return _download(_user(), year, "csv")


@bp.get("/<int(max=9999):year>.json")
@requires(Permission.INDICATORS_VIEW)
def export_json(year: int) -> ResponseReturnValue:
    return _download(_user(), year, "json")
