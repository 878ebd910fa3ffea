"""Import of an existing caseload in the web UI: upload, preview (dry run), then confirm.

Between preview and confirmation the file is kept encrypted in the instance folder (see
`staging`); the confirmation runs the same all-or-nothing import again, so a file that became
wrong in between (a référent disabled, say) is refused with its errors and nothing written.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.authz import Permission, current_user, requires
from app.db import db
from app.i18n import _
from app.imports import staging
from app.imports.forms import ConfirmForm, UploadForm
from app.imports.services import ImportReport, import_csv
from app.users.models import User

bp = Blueprint("imports", __name__, url_prefix="/import")
# A refused file lists its first errors only (with the total): enough to start correcting, and a
# file of bad lines does not turn into a page of many megabytes.
ERRORS_SHOWN = 200


def _user() -> User:
    user = current_user()
    assert user is not None
    return user


def _instance() -> Path:
    return Path(current_app.config["PARCOURS"].instance_path)


def _owner(user: User) -> str:
    return f"programme:{user.programme_id}/user:{user.id}"


def _refused(form: UploadForm, report: ImportReport) -> ResponseReturnValue:
    return render_template("imports/upload.html", form=form, report=report, status="refused", errors_shown=ERRORS_SHOWN)


def _preview(form: UploadForm, user: User) -> ResponseReturnValue:
    data = form.file.data.read()
    report = import_csv(db.session, data, user.programme, user.id, dry_run=True)
    db.session.rollback()  # a dry run writes nothing, whatever the service left in the session
    if report.errors:
        return _refused(form, report)
    confirm = ConfirmForm(token=staging.stage(_instance(), data, _owner(user)))
    return render_template("imports/upload.html", form=form, report=report, status="preview", confirm=confirm)


def _confirm(form: ConfirmForm, user: User) -> ResponseReturnValue:
    token = form.token.data or ""
    if form.cancel.data:
        staging.discard(_instance(), token)
        flash(_("Import annulé : rien n'a été enregistré."), "success")
        return redirect(url_for("imports.upload"))
    data = staging.load(_instance(), token, _owner(user))
    if data is None:
        flash(_("Le fichier vérifié n'est plus disponible (délai dépassé) : envoyez-le de nouveau."), "error")
        return redirect(url_for("imports.upload"))
    report = import_csv(db.session, data, user.programme, user.id)
    if report.errors:
        db.session.rollback()
        staging.discard(_instance(), token)
        return _refused(UploadForm(), report)
    db.session.commit()
    staging.discard(_instance(), token)
    flash(
        _(
            "Import terminé : %(children)d enfants créés, %(created)d parcours créés, %(updated)d mis à jour, "
            "%(unchanged)d déjà présents."
        )
        % {
            "children": report.children_created,
            "created": report.parcours_created,
            "updated": report.parcours_updated,
            "unchanged": report.parcours_unchanged,
        },
        "success",
    )
    return redirect(url_for("imports.upload"))


@bp.route("", methods=["GET", "POST"])
@requires(Permission.IMPORT)
def upload() -> ResponseReturnValue:
    user = _user()
    if request.method == "POST" and "token" in request.form:
        confirm = ConfirmForm()
        if not confirm.validate_on_submit():
            flash(_("La confirmation a échoué : envoyez le fichier de nouveau."), "error")
            return redirect(url_for("imports.upload"))
        return _confirm(confirm, user)
    form = UploadForm()
    if form.validate_on_submit():
        return _preview(form, user)
    return render_template("imports/upload.html", form=form, report=None, status=None)
