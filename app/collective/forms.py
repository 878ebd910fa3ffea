"""Forms of collective actions (labels and errors in French)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.collective.sheet import PUBLIC_LABELS
from app.eps.forms import ChoiceField, FrenchDateField, MultiCheckbox
from app.i18n import _
from app.nomenclature import nomenclature

COUNT_RANGE = NumberRange(0, 10_000, _("Un nombre entre 0 et 10 000."))


class FrenchIntegerField(IntegerField):
    """A whole number whose parse error is in French."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_("Écrivez un nombre entier, par exemple 12.")) from error


class ActionForm(FlaskForm):
    title = StringField(_("Intitulé"), validators=[DataRequired(_("Indiquez l'intitulé.")), Length(max=160)])
    action_code = ChoiceField(_("Type d'action"))
    public = ChoiceField(_("Public"))
    provider = StringField(_("Intervenant·e ou structure"), validators=[Length(max=160)])
    starts_on = FrenchDateField(_("Début"), validators=[InputRequired(_("Indiquez la date de début."))])
    ends_on = FrenchDateField(_("Fin"), description=_("Facultative."), validators=[Optional()])
    capacity = FrenchIntegerField(
        _("Capacité (places)"),
        description=_("Facultative."),
        validators=[Optional(), NumberRange(1, 10_000, _("Un nombre de places entre 1 et 10 000."))],
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.action_code.choices = list(nomenclature()["action"].codes.items())
        self.public.choices = list(PUBLIC_LABELS.items())


class SessionForm(FlaskForm):
    held_on = FrenchDateField(_("Date de la séance"), validators=[InputRequired(_("Indiquez la date."))])
    place = StringField(_("Lieu"), validators=[Length(max=160)])


class AttendanceForm(FlaskForm):
    children = MultiCheckbox(_("Enfants suivis présents"), coerce=str)
    other_children = FrenchIntegerField(_("Autres enfants présents"), default=0, validators=[Optional(), COUNT_RANGE])
    parents = FrenchIntegerField(_("Parents présents"), default=0, validators=[Optional(), COUNT_RANGE])
