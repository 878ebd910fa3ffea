"""Forms of the EPS agenda: one decision form per orientation, and the facts-sharing switch."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField
from wtforms.validators import AnyOf, Optional, ValidationError

from app.i18n import _
from app.nomenclature import nomenclature
from app.users.models import User


class FrenchDateField(DateField):
    """A date input (`AAAA-MM-JJ` from the browser) whose parse error is in French."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_("Date invalide : utilisez le format JJ/MM/AAAA.")) from error


class ChoiceField(SelectField):
    """A select whose "not a valid choice" error is in French."""

    def pre_validate(self, form: Any) -> None:
        if self.choices is not None and self.data not in {str(value) for value, _label in self.choices}:
            raise ValidationError(_("Choisissez une valeur de la liste."))


class DecisionForm(FlaskForm):
    decision = ChoiceField(_("Décision"))
    decided_on = FrenchDateField(_("Date de la décision"), validators=[Optional()], default=date.today)
    referent_id = ChoiceField(
        _("Référent·e"), description=_("Obligatoire si l'orientation est acceptée."), validators=[Optional()]
    )
    date_entree = FrenchDateField(
        _("Date d'entrée"), description=_("Facultative ; seulement si acceptée."), validators=[Optional()]
    )

    def __init__(self, referents: list[User], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        decisions = nomenclature()["decision_eps"].codes
        self.decision.choices = list(decisions.items())
        self.referent_id.choices = [("", _("— choisir —"))] + [(str(u.id), u.name) for u in referents]


class ShareForm(FlaskForm):
    shared = HiddenField(validators=[AnyOf(["0", "1"])])


class ReferentForm(FlaskForm):
    referent_id = SelectField(_("Référent·e"))

    def __init__(self, referents: list[User], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.referent_id.choices = [("", _("— choisir —"))] + [(str(u.id), u.name) for u in referents]

    def validate_referent_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_("Choisissez un·e référent·e actif·ve de ce programme."))


class DistinctForm(FlaskForm):
    """The coordinator states that a possible duplicate is another child."""
