"""Pages: compare a proposed form set with the installed one (coordinators, admins); install a
published set after checking its signature and showing what changes (admins)."""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.authz import Permission, current_user, requires
from app.db import db
from app.formengine import EXTENSION, form_set
from app.formsets import diff, services
from app.formsets.package import PackageError, load_files, unsigned_files, verify_package
from app.i18n import _

bp = Blueprint("formsets", __name__, url_prefix="/formulaires")

PENDING_DIR = ".forms-pending"
TOKEN = re.compile(r"^[0-9a-f]{32}$")
PACKAGE, TRUST = "set.zip", "trust.pem"
PENDING_SECONDS = 3600  # a verified set waits this long for its confirmation, then is removed


def _settings() -> Any:
    return current_app.config["PARCOURS"]


def _upload(name: str) -> bytes | None:
    upload = request.files.get(name)
    return upload.read() if upload and upload.filename else None


@bp.route("/comparer", methods=["GET", "POST"])
@requires(Permission.FORMSET_COMPARE)
def compare() -> ResponseReturnValue:
    current = form_set()
    table = error = None
    if request.method == "POST":
        content = _upload("jeu")
        if content is None:
            error = _(
                "Choisissez un fichier ZIP : un jeu publié par « parcours forms package » "
                "ou un dossier forms/ compressé."
            )
        else:
            try:
                proposed = load_files(_("jeu proposé"), unsigned_files(_("jeu proposé"), content))
                table = diff.as_html_table(current, proposed, diff.compare(current, proposed))
            except PackageError as refused:
                error = str(refused)
    return render_template("formsets/compare.html", current=current, table=table, error=error)


def _pending(token: str) -> Path:
    return Path(_settings().instance_path) / PENDING_DIR / token


def _expired(folder: Path) -> bool:
    return time.time() - folder.stat().st_mtime > PENDING_SECONDS


def _sweep_pending() -> None:
    """Remove the verified sets nobody confirmed within the hour."""
    root = Path(_settings().instance_path) / PENDING_DIR
    for folder in root.iterdir() if root.is_dir() else []:
        if folder.is_dir() and _expired(folder):
            shutil.rmtree(folder, ignore_errors=True)


@bp.route("/installer", methods=["GET", "POST"])
@requires(Permission.FORMSET_INSTALL)
def install() -> ResponseReturnValue:
    current = form_set()
    table = error = token = None
    if request.method == "POST":
        content, trusted = _upload("jeu"), _upload("certificat")
        if content is None or trusted is None:
            error = _("Choisissez le jeu publié (.zip) et le certificat de confiance (.pem) de son éditeur.")
        else:
            try:
                files = verify_package(_("jeu publié"), content, trusted)
                proposed = load_files(_("jeu publié"), files)
                problems = services.upgrade_problems(current, proposed)
                if problems:
                    raise PackageError(_("Installation impossible : ") + " ".join(problems))
                table = diff.as_html_table(current, proposed, diff.compare(current, proposed))
                _sweep_pending()
                token = secrets.token_hex(16)
                folder = _pending(token)
                folder.mkdir(mode=0o700, parents=True)
                (folder / PACKAGE).write_bytes(content)
                (folder / TRUST).write_bytes(trusted)
            except PackageError as refused:
                error = str(refused)
    return render_template("formsets/install.html", current=current, table=table, error=error, token=token)


@bp.post("/installer/confirmer")
@requires(Permission.FORMSET_INSTALL)
def confirm() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    token = request.form.get("jeton", "")
    folder = _pending(token) if TOKEN.match(token) else None
    if folder is None or not folder.is_dir() or _expired(folder):
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        flash(_("Cette vérification a expiré : envoyez de nouveau le jeu publié."), "error")
        return redirect(url_for("formsets.install"))
    try:
        files = verify_package(_("jeu publié"), (folder / PACKAGE).read_bytes(), (folder / TRUST).read_bytes())
        proposed = load_files(_("jeu publié"), files)
        _target, loaded = services.install(db.session, _settings(), files, proposed, user.id)
    except PackageError as refused:
        flash(str(refused), "error")
        return redirect(url_for("formsets.install"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    db.session.commit()
    current_app.extensions[EXTENSION] = loaded
    flash(
        _(
            "« %(name)s » version %(version)d installé : les nouveaux documents l'utilisent, "
            "les documents déjà remplis gardent leur version."
        )
        % {"name": loaded.name, "version": loaded.version}
    )
    return redirect(url_for("formsets.compare"))
