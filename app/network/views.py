"""The network's pages: the département table for `reseau` users, the coordinator's share download.

A `reseau` user sees consolidated tables and nothing else. The table comes either from the share
files stored in the instance (uploaded here, verified against the instance's trust anchors) or, in a
deployment hosting several programmes, from the instance's own programmes.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.authz import Permission, current_user, requires
from app.db import db
from app.formengine import form_set
from app.i18n import _
from app.indicators import summary
from app.indicators.services import ExportError
from app.network import consolidate, export, services
from app.network.share import ShareError
from app.users.models import User

bp = Blueprint("network", __name__, url_prefix="/reseau")

SOURCES = ("partages", "instance")
FIRST_YEAR = 2000


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _settings() -> Any:
    return current_app.config["PARCOURS"]


def _year() -> str:
    requested = request.values.get("annee", "")
    return requested if services.YEAR.match(requested) else str(date.today().year - 1)


def _table(year: str, source: str) -> dict[str, Any] | None:
    if source == "instance":
        forms = form_set()
        period = year if "-" in year else int(year)
        return services.table_from_instance(db.session, period, (forms.name, forms.version))
    files = services.stored_shares(_settings().instance_path, year)
    if not files:
        return None
    trusted = services.instance_trust(db.session, _settings().instance_path, _settings().keys_path)
    return services.table_from_shares(files, trusted, year)


def _rows(table: dict[str, Any]) -> list[tuple[Any, list[tuple[str, list[Any]]]]]:
    """Per breakdown: (breakdown, [(label, [value per programme..., total])])."""
    codes = table["programmes"]
    blocks = []
    for item in summary.BREAKDOWNS:
        node = summary.value_at(table[consolidate.TOTAL], item.path) or {}
        rows = []
        for code in summary.ordered_codes(item.dimension, node):
            values = [(summary.value_at(table["par_programme"][p], item.path) or {}).get(code) for p in codes]
            rows.append((summary.code_label(item.dimension, code), [*values, node.get(code)]))
        blocks.append((item, rows))
    return blocks


def _key_figures(table: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    columns = [*(table["par_programme"][p] for p in table["programmes"]), table[consolidate.TOTAL]]
    return [(figure.label, [summary.value_at(c, figure.path) for c in columns]) for figure in summary.KEY_FIGURES]


@bp.get("")
@requires(Permission.NETWORK_VIEW)
def index() -> ResponseReturnValue:
    user = _user()
    year = _year()
    requested = request.args.get("source", "")
    source = requested if requested in SOURCES else SOURCES[0]
    external = request.args.get("diffusion") == "externe"
    error = None
    try:
        table = _table(year, source)
    except ShareError as refused:
        table, error = None, str(refused)
    if table is not None and external:
        table = consolidate.external(table)
    output = request.args.get("format")
    if table is not None and output in {"csv", "pdf", "json"}:
        return _download(table, user, year, output, external)
    if table is not None:
        services.record_table(db.session, year, external, user.id, user.programme_id)
        db.session.commit()
    return render_template(
        "network/index.html",
        year=year,
        source=source,
        external=external,
        table=table,
        error=error,
        stored=[name for name, _content in services.stored_shares(_settings().instance_path, year)],
        blocks=_rows(table) if table else [],
        key_figures=_key_figures(table) if table else [],
        format_number=summary.format_number,
        masking_note=export.MASKING_NOTE,
    )


def _download(table: dict[str, Any], user: User, year: str, output: str, external: bool) -> Response:
    services.record_table(db.session, year, external, user.id, user.programme_id)
    db.session.commit()
    name = f"reseau-{year}{'-diffusion-externe' if external else ''}.{output}"
    if output == "csv":
        response = Response(export.to_csv(table).encode("utf-8"), mimetype="text/csv; charset=utf-8")
    elif output == "pdf":
        body = export.to_pdf(table, _("Réseau de %(n)d programmes") % {"n": len(table["programmes"])})
        response = Response(body, mimetype="application/pdf")
    else:
        response = Response(export.to_json(table).encode("utf-8"), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/partages")
@requires(Permission.NETWORK_VIEW)
def upload() -> ResponseReturnValue:
    user = _user()
    year = _year()
    uploads = [f for f in request.files.getlist("partages") if f.filename]
    if not uploads:
        flash(_("Choisissez au moins un fichier de partage (.zip) produit par « parcours indicators --share »."))
        return redirect(url_for("network.index", annee=year))
    trusted = services.instance_trust(db.session, _settings().instance_path, _settings().keys_path)
    for upload_file in uploads:
        name = re.sub(r"[^\w.-]", "_", upload_file.filename or "partage.zip")
        try:
            share = services.store_share(
                db.session, _settings().instance_path, trusted, year, name, upload_file.read(), user.id
            )
        except ShareError as refused:
            db.session.rollback()
            flash(_("Partage refusé — %(reason)s") % {"reason": str(refused)}, "error")
            continue
        db.session.commit()
        flash(_("Partage de %(programme)s enregistré pour %(year)s.") % {"programme": share.programme, "year": year})
    return redirect(url_for("network.index", annee=year))


@bp.get("/partage/<year>.zip")
@requires(Permission.INDICATORS_VIEW)
def share(year: str) -> ResponseReturnValue:
    """The coordinator's button: the programme's signed share file of a calendar or school year."""
    if not services.YEAR.match(year) or not FIRST_YEAR <= int(year[:4]) <= date.today().year + 1:
        abort(404)
    user = _user()
    forms = form_set()
    try:
        content = services.make_share(
            db.session, user.programme, year, _settings().keys_path, (forms.name, forms.version), user.id
        )
    except ExportError:  # « 2025-2027 »: not a period
        abort(404)
    db.session.commit()
    code = re.sub(r"[^A-Za-z0-9_-]", "_", user.programme.code)
    response = Response(content, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="partage-{code}-{year}.zip"'
    return response
