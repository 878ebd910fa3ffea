from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.i18n import _


class LoginForm(FlaskForm):
    email = EmailField(
        _("Adresse e-mail"),
        validators=[DataRequired(_("Saisissez votre adresse e-mail.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _("Mot de passe"),
        validators=[DataRequired(_("Saisissez votre mot de passe.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(FlaskForm):
    code = StringField(
        _("Code à 6 chiffres"),
        description=_("Le code affiché par votre application d'authentification (il change toutes les 30 secondes)."),
        validators=[DataRequired(_("Saisissez le code.")), Length(min=6, max=7, message=_("Le code a 6 chiffres."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"},
    )
