"""Dashboard of the yearly indicators and the one-click downloads (PDF report, CSV, JSON).

Every number comes from `compute` (SQL aggregates over code-only columns); nothing here reads a
child's record. The programme is always the coordinator's own.
"""

from __future__ import annotations

import json
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
from app.indicators.export import to_csv, to_pdf
from app.indicators.summary import mask_small_counts
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


def _external() -> bool:
    """`?diffusion=externe`: the version for partners outside the programme, small counts masked."""
    return request.args.get("diffusion") == "externe"


def _download(
    body: bytes | str, mimetype: str, user: User, year: int, extension: str, external: bool = False
) -> Response:
    code = re.sub(r"[^A-Za-z0-9_-]", "_", user.programme.code)
    name = f"{year}-diffusion-externe" if external else str(year)
    _audit(user, "indicators.export", f"{name}.{extension}")
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="bilan-{code}-{name}.{extension}"'
    return response


@bp.get("/<int(max=9999):year>.pdf")
@requires(Permission.INDICATORS_VIEW)
def report_pdf(year: int) -> ResponseReturnValue:
    user = _user()
    result, previous = _results(user, _valid_year(year))
    if _external():
        result = mask_small_counts(result)
        previous = mask_small_counts(previous)
    body = to_pdf(result, previous, user.programme.name)
    return _download(body, "application/pdf", user, year, "pdf", external=_external())


@bp.get("/<int(max=9999):year>.csv")
@requires(Permission.INDICATORS_VIEW)
def export_csv(year: int) -> ResponseReturnValue:
    user = _user()
    result = compute(db.session, user.programme_id, _valid_year(year))
    if _external():
        result = mask_small_counts(result)
    return _download(to_csv(result).encode("utf-8"), "text/csv; charset=utf-8", user, year, "csv", external=_external())


@bp.get("/<int(max=9999):year>.json")
@requires(Permission.INDICATORS_VIEW)
def export_json(year: int) -> ResponseReturnValue:
    user = _user()
    result = compute(db.session, user.programme_id, _valid_year(year))
    body = json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return _download(body.encode("utf-8"), "application/json", user, year, "json")
