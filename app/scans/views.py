"""Uploading a scan to a child's file and downloading it (as an attachment, never shown inline)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectChoice, SelectField

from app.authz import Permission, current_user, policy, requires
from app.children.models import Child
from app.children.services import load_child
from app.db import db
from app.i18n import _
from app.scans import content, services
from app.scans.models import Scan

bp = Blueprint("scans", __name__)


class ScanForm(FlaskForm):
    category = SelectField(_("Catégorie"), choices=[SelectChoice(c, label) for c, label in services.CATEGORIES.items()])
    file = FileField(_("Fichier (PDF, JPEG ou PNG)"))


@bp.post("/enfants/<child_id>/pieces")
@requires(Permission.DOCUMENT_EDIT, load=load_child)
def upload(child: Child, child_id: str) -> ResponseReturnValue:
    form = ScanForm()
    target = url_for("children.show", child_id=child_id) + "#pieces"
    if not form.validate_on_submit():
        flash(_("La demande n'a pas pu être traitée ; rechargez la page et recommencez."), "error")
        return redirect(target)
    upload = form.file.data
    data = upload.read(services.max_bytes() + 1) if upload else b""
    user = current_user()
    assert user is not None
    try:
        services.upload(db.session, user, child, form.category.data or "", getattr(upload, "filename", "") or "", data)
    except services.ScanError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Pièce ajoutée au dossier."), "success")
    return redirect(target)


@bp.get("/pieces/<scan_id>")
@requires(Permission.DOCUMENT_VIEW, load=services.load_scan, audit_read="scan.download")
def download(scan: Scan, scan_id: str) -> ResponseReturnValue:
    return Response(
        services.read(scan),
        mimetype=content.MIME_TYPES[scan.kind],
        # Never rendered inline (the security headers add `nosniff` and a CSP to every response).
        headers={"Content-Disposition": f'attachment; filename="{services.download_name(scan)}"'},
    )


@bp.app_template_global()
def scans_of_child(child: Child) -> dict[str, Any]:
    """What the child's page shows of its scans: the list by category and, for who may add, the form."""
    user = current_user()
    may_add = policy(user, Permission.DOCUMENT_EDIT, child)
    return {
        "categories": services.scans_of(db.session, child),
        "filename": services.filename_of,
        "form": ScanForm(formdata=None) if may_add else None,
        "max_bytes": services.max_bytes(),
    }
