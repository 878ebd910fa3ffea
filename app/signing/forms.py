from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import PasswordField
from wtforms.validators import Length

from app.i18n import _


class CertificateImportForm(FlaskForm):
    pkcs12 = FileField(
        _("Fichier PKCS #12 (.p12 ou .pfx)"),
        description=_("Il contient la clé privée du cachet et son certificat."),
        validators=[
            FileRequired(_("Choisissez le fichier PKCS #12.")),
            FileSize(64 * 1024, message=_("Un fichier PKCS #12 fait quelques ko : celui-ci dépasse 64 ko.")),
        ],
    )
    password = PasswordField(
        _("Mot de passe du fichier"), validators=[Length(max=200)], render_kw={"autocomplete": "off"}
    )
