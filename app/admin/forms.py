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
    role = SelectField(
        _("Rôle"),
        choices=role_choices(),
        description=_(
            "Vous ne choisissez pas le mot de passe : la personne le choisit elle-même avec un lien à usage "
            "unique. Un compte de référent·e ou de coordonnateur·rice est d'abord confirmé par un·e "
            "coordonnateur·rice du programme, qui lui remet ce lien."
        ),
    )


class UserRoleForm(FlaskForm):
    role = SelectField(_("Rôle"), choices=role_choices())


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change state."""


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _("Nouveau mot de passe"),
        description=_("12 caractères au moins ; une phrase de passe est idéale."),
        validators=[DataRequired(_("Saisissez le nouveau mot de passe.")), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )
    confirmation = PasswordField(
        _("Nouveau mot de passe, une seconde fois"),
        validators=[DataRequired(_("Saisissez une seconde fois le nouveau mot de passe.")), Length(max=128)],
        render_kw={"autocomplete": "new-password"},
    )


class PasswordChangeForm(NewPasswordForm):
    current = PasswordField(
        _("Mot de passe actuel"),
        validators=[DataRequired(_("Saisissez votre mot de passe actuel.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class TotpResetForm(FlaskForm):
    current_password = PasswordField(
        _("Mot de passe actuel"),
        validators=[DataRequired(_("Saisissez votre mot de passe actuel.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _("Code affiché maintenant par votre application"),
        validators=[DataRequired(_("Saisissez le code.")), Length(min=6, max=7, message=_("Le code a 6 chiffres."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
