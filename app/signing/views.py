"""Admin page: the programme's sealing certificate, and the import of a PKCS #12."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from app.authz import Permission, current_user, requires
from app.crypto.certificates import CertificateError, summary
from app.db import db
from app.i18n import _
from app.signing import keys
from app.signing.forms import CertificateImportForm
from app.signing.services import import_certificate
from app.users.models import Programme

bp = Blueprint("signing", __name__, url_prefix="/admin/certificat")

MAX_PKCS12_BYTES = 100_000


def _page(form: CertificateImportForm) -> str:
    user = current_user()
    assert user is not None
    programme = db.session.get(Programme, user.programme_id)
    assert programme is not None
    keys_path = current_app.config["PARCOURS"].keys_path
    keys.ensure_certificate(keys_path, programme.code, programme.name)
    certificate = summary(keys.certificate_pem(keys_path, programme.code))
    return render_template("signing/certificate.html", form=form, programme=programme, certificate=certificate)


@bp.get("/")
@requires(Permission.KEYS_MANAGE)
def certificate() -> ResponseReturnValue:
    return _page(CertificateImportForm())


@bp.post("/")
@requires(Permission.KEYS_MANAGE)
def import_pkcs12() -> ResponseReturnValue:
    form = CertificateImportForm()
    if form.validate_on_submit():
        user = current_user()
        assert user is not None
        programme = db.session.get(Programme, user.programme_id)
        assert programme is not None
        data = form.pkcs12.data.read(MAX_PKCS12_BYTES + 1)
        try:
            if len(data) > MAX_PKCS12_BYTES:
                raise CertificateError(_("Ce fichier est trop volumineux pour un PKCS #12."))
            keys_path = current_app.config["PARCOURS"].keys_path
            import_certificate(db.session, keys_path, programme, data, form.password.data or "", user.id)
        except CertificateError as error:
            form.pkcs12.errors = [str(error)]
            return _page(form), 400
        db.session.commit()
        flash(_("Certificat importé : les nouveaux documents seront scellés avec lui."))
        return redirect(url_for("signing.certificate"))
    return _page(form), 400
