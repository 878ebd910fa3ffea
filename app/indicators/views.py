"""Dashboard of the yearly indicators and the one-click downloads (PDF report, CSV, JSON).

Every number comes from `compute` (SQL aggregates over code-only columns); nothing here reads a
child's record. The programme is always the coordinator's own.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from app.audit import services as audit
from app.authz import Permission, current_user, requires
from app.children.models import Parcours
from app.db import db
from app.i18n import _
from app.indicators import charts, summary
from app.indicators.compute import Period, PeriodError, compute, period_of, previous_period
from app.indicators.sections import sections
from app.indicators.services import ExportError, IndicatorsExport, export_indicators
from app.users.models import User

bp = Blueprint("indicators", __name__, url_prefix="/indicateurs")

FIRST_YEAR = 2000


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _valid_period(label: str) -> Period:
    """The calendar year (`2025`) or school year (`2025-2026`) named in the URL; 404 otherwise."""
    try:
        period = period_of(label)
    except PeriodError:
        abort(404)
    if not FIRST_YEAR <= period.start.year <= date.today().year + 1:
        abort(404)
    return period


def _periods(programme_id: int) -> list[tuple[str, list[str]]]:
    """Periods offered in the selector, newest first: calendar years, then school years, from the
    first orientation on record to this year."""
    first = db.session.scalar(select(func.min(Parcours.date_orientation)).where(Parcours.programme_id == programme_id))
    start = max(FIRST_YEAR, first.year if first else date.today().year)
    years = list(range(date.today().year, start - 1, -1))
    school_years = [f"{year}-{year + 1}" for year in [date.today().year, *years] if year >= start - 1]
    return [
        (_("Années civiles"), [str(year) for year in years]),
        (_("Années scolaires (1er septembre – 31 août)"), list(dict.fromkeys(school_years))),
    ]


def _results(user: User, period: Period) -> tuple[dict[str, Any], dict[str, Any]]:
    return compute(db.session, user.programme_id, period), compute(
        db.session, user.programme_id, previous_period(period)
    )


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
    requested = request.args.get("annee", "")[:16]
    try:
        period_of(requested)
    except PeriodError:
        requested = str(date.today().year)  # no period, or not one: this year
    period = _valid_period(requested)
    year, previous_year = period.label, previous_period(period).label
    result, previous = _results(user, period)
    _audit(user, "indicators.view", str(year))
    blocks = []
    for item in summary.BREAKDOWNS:
        rows = summary.breakdown_rows(result, previous, item)
        chart = charts.bar_chart(f"graphique-{item.slug}", f"{item.title} en {year}", rows, year, previous_year)
        blocks.append((item, rows, chart))
    extra = [
        (
            section,
            [
                (block, charts.bar_chart(f"graphique-{block.slug}", block.title, block.rows, year, previous_year))
                for block in section.blocks
            ],
        )
        for section in sections(result, previous)
    ]
    return render_template(
        "indicators/dashboard.html",
        year=year,
        previous_year=previous_year,
        periods=_periods(user.programme_id),
        key_figures=summary.key_figure_rows(result, previous),
        reading=summary.reading(result, previous),
        sections=[
            (heading, [b for b in blocks if b[0].path.startswith(key + ".")]) for heading, key in summary.SECTIONS
        ],
        extra_sections=extra,
        rules=summary.COUNTING_RULES,
        small_counts_note=summary.SMALL_COUNTS_NOTE,
        format_number=summary.format_number,
        format_difference=summary.format_difference,
    )


def _download(user: User, year: str, output_format: str) -> ResponseReturnValue:
    """`?diffusion=externe` (CSV, PDF): the version for partners outside the programme, small counts masked."""
    external = output_format != "json" and request.args.get("diffusion") == "externe"
    try:
        export = _export(user, year, output_format, external)
    except ExportError as error:  # an installed questionnaire mapping that does not read
        return render_template("error.html", title=_("Export impossible"), text=str(error), code=409), 409
    db.session.commit()
    code = re.sub(r"[^A-Za-z0-9_-]", "_", user.programme.code)
    prefix = "donnees-indicateurs" if output_format == "csv" else "bilan"
    response = Response(export.body, mimetype=export.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{prefix}-{code}-{export.name}"'
    return response


def _export(user: User, year: str, output_format: str, external: bool) -> IndicatorsExport:
    return export_indicators(
        db.session,
        _valid_period(year).label,
        output_format,
        programme_id=user.programme_id,
        programme_name=user.programme.name,
        external=external,
        actor_id=user.id,
        instance_path=current_app.config["PARCOURS"].instance_path,
    )


@bp.get("/<year>.pdf")
@requires(Permission.INDICATORS_VIEW)
def report_pdf(year: str) -> ResponseReturnValue:
    return _download(_user(), year, "pdf")


@bp.get("/<year>.csv")
@requires(Permission.INDICATORS_VIEW)
def export_csv(year: str) -> ResponseReturnValue:
    return _download(_user(), year, "csv")


@bp.get("/<year>.json")
@requires(Permission.INDICATORS_VIEW)
def export_json(year: str) -> ResponseReturnValue:
    return _download(_user(), year, "json")
