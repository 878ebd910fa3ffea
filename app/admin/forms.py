from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.i18n import _
from app.users.models import ROLE_LABELS


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class UserCreateForm(FlaskForm):
    name = StringField(_("Nom et prénom"), validators=[DataRequired(_("Le nom est obligatoire.")), Length(max=200)])
    email = EmailField(
        _("Adresse e-mail"),
        validators=[
            DataRequired(_("L'adresse e-mail est obligatoire.")),
            Length(max=254),
        ],
    )
    role = SelectField(_("Rôle"), choices=role_choices())
    password = PasswordField(
        _("Mot de passe initial"),
        description=_("12 caractères au moins ; une phrase de passe est idéale."),
        validators=[DataRequired(_("Le mot de passe est obligatoire.")), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )


class UserRoleForm(FlaskForm):
    role = SelectField(_("Rôle"), choices=role_choices())


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change state."""
