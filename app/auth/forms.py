from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
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
