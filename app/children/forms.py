"""Forms of the child page kept for the coordinator: référent, possible duplicate."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import ValidationError

from app.i18n import _
from app.users.models import User


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
