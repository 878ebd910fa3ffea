"""Forms of the workflow: the facts-sharing switch, and the French date and choice fields the EPS séance uses."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField
from wtforms.validators import AnyOf, ValidationError

from app.i18n import _


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


class ShareForm(FlaskForm):
    shared = HiddenField(validators=[AnyOf(["0", "1"])])
