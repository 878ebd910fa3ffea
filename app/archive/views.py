"""Archive pages (coordinator): yearly exports and their download."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.archive.forms import ExportForm
from app.archive.jobs import ExportRefused, start_export
from app.archive.models import DONE, EXPIRED, ArchiveExport
from app.archive.services import export_file, prune_exports, read_export
from app.audit import services as audit
from app.authz import Permission, current_user, requires
from app.db import db
from app.i18n import _

bp = Blueprint("archive", __name__)


def load_job(job_id: str) -> ArchiveExport | None:
    return db.session.scalar(select(ArchiveExport).where(ArchiveExport.public_id == job_id))


@bp.get("/archives")
@requires(Permission.ARCHIVE_EXPORT)
def index() -> ResponseReturnValue:
    return _index_page(ExportForm())


def _index_page(form: ExportForm) -> str:
    user = current_user()
    assert user is not None
    prune_exports(db.session, current_app.config["PARCOURS"].instance_path, user.programme_id)
    db.session.commit()
    jobs = db.session.scalars(
        select(ArchiveExport)
        .where(ArchiveExport.programme_id == user.programme_id)
        .order_by(ArchiveExport.id.desc())
        .limit(20)
    ).all()
    return render_template("archive/index.html", form=form, jobs=jobs)


@bp.post("/archives")
@requires(Permission.ARCHIVE_EXPORT)
def start() -> ResponseReturnValue:
    form = ExportForm()
    if not form.validate_on_submit():
        return _index_page(form), 400
    user = current_user()
    assert user is not None and form.year.data is not None
    try:
        job = start_export(db.session, user, form.year.data)
    except ExportRefused as error:
        flash(str(error), "error")
        return _index_page(form), 409
    return redirect(url_for("archive.job", job_id=job.public_id))


@bp.get("/archives/<job_id>")
@requires(Permission.ARCHIVE_EXPORT, load=load_job)
def job(export: ArchiveExport, job_id: str) -> ResponseReturnValue:
    return render_template("archive/job.html", job=export)


@bp.get("/archives/<job_id>/etat")
@requires(Permission.ARCHIVE_EXPORT, load=load_job)
def job_status(export: ArchiveExport, job_id: str) -> ResponseReturnValue:
    return jsonify(
        status=export.status,
        done=export.done,
        total=export.total,
        percent=export.percent,
        error=export.error,
        download=url_for("archive.download", job_id=job_id) if export.status == DONE else None,
    )


@bp.get("/archives/<job_id>/archive.zip")
@requires(Permission.ARCHIVE_EXPORT, load=load_job)
def download(export: ArchiveExport, job_id: str) -> ResponseReturnValue:
    instance_path = current_app.config["PARCOURS"].instance_path
    prune_exports(db.session, instance_path, export.programme_id)
    db.session.commit()
    if export.status == EXPIRED:
        flash(_("Cette archive a expiré et a été détruite : lancez un nouvel export."), "info")
        return redirect(url_for("archive.index"))
    if export.status != DONE or not export_file(instance_path, export).is_file():
        flash(_("L'archive n'est pas encore prête : attendez la fin de l'export."), "info")
        return redirect(url_for("archive.job", job_id=job_id))
    user = current_user()
    assert user is not None
    audit.record_for(db.session, "archive.download", export, actor_id=user.id)
    db.session.commit()
    name = f"archive-{export.year}-{export.public_id}.zip"
    response = Response(read_export(instance_path, export), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
