"""Forms of the EPS agenda: the facts-sharing switch (decisions are taken in a séance, app/eps)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import AnyOf, ValidationError

from app.i18n import _
from app.users.models import User


class ShareForm(FlaskForm):
    shared = HiddenField(validators=[AnyOf(["0", "1"])])


class ReferentForm(FlaskForm):
    referent_id = SelectField(_("Référent·e"))
    note = TextAreaField(_("Note pour le ou la référent·e (facultatif)"))

    def __init__(self, referents: list[User], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.referent_id.choices = [("", _("— choisir —"))] + [(str(u.id), u.name) for u in referents]

    def validate_referent_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_("Choisissez un·e référent·e actif·ve de ce programme."))


class DistinctForm(FlaskForm):
    """The coordinator states that a possible duplicate is another child."""
