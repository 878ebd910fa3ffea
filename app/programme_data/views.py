"""The coordinator's page of the programme's data of a year (staff, funding, partners, territory)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.authz import Permission, current_user, requires
from app.db import db
from app.i18n import _
from app.programme_data import services
from app.programme_data.codes import SECTIONS
from app.programme_data.queries import data_of_year
from app.users.models import User

bp = Blueprint("programme_data", __name__, url_prefix="/donnees-programme")
FIRST_YEAR = 2000
SECTION_TITLES = {
    "effectifs": _("Personnel (équivalents temps plein)"),
    "financements": _("Budget et cofinancements (euros)"),
    "partenaires": _("Partenaires (nombre par type)"),
    "etablissements": _("Établissements scolaires couverts (nombre par type)"),
}


def _actor() -> User:
    user = current_user()
    assert user is not None
    return user


def _valid(year: int) -> int:
    if not FIRST_YEAR <= year <= date.today().year + 1:
        abort(404)
    return year


@bp.get("")
@requires(Permission.PROGRAMME_DATA)
def index() -> ResponseReturnValue:
    return redirect(url_for("programme_data.year_page", year=date.today().year))


@bp.get("/<int:year>")
@requires(Permission.PROGRAMME_DATA)
def year_page(year: int) -> ResponseReturnValue:
    data = data_of_year(db.session, _actor().programme_id, _valid(year))
    years = list(range(date.today().year + 1, FIRST_YEAR + 19, -1))
    return render_template(
        "programme_data/year.html", year=year, years=years, data=data, sections=SECTIONS, titles=SECTION_TITLES
    )


@bp.post("/<int:year>")
@requires(Permission.PROGRAMME_DATA)
def save(year: int) -> ResponseReturnValue:
    _valid(year)
    target = url_for("programme_data.year_page", year=year)
    try:
        values: dict[str, dict[str, Decimal]] = {}
        for section, (_key, codes, whole) in SECTIONS.items():
            values[section] = {
                code: services.parse_amount(request.form.get(f"{section}-{code}", ""), label, whole)
                for code, label in codes.items()
            }
        qpv = request.form.get("qpv", "")[:20_000].splitlines()
        services.save_year(db.session, _actor(), year, values, qpv)
    except services.ProgrammeDataError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(target)
    db.session.commit()
    flash(_("Données du programme %(year)d enregistrées.") % {"year": year}, "success")
    return redirect(target)
