from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from app.i18n import _


class ExportForm(FlaskForm):
    year = IntegerField(
        _("Année de finalisation des documents"),
        default=lambda: date.today().year,
        validators=[
            InputRequired(_("L'année est obligatoire.")),
            NumberRange(2000, 2100, _("Indiquez une année entre 2000 et 2100.")),
        ],
    )
