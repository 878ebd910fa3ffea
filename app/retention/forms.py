from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from app.i18n import _
from app.retention.notice import HEADINGS, TEXT_MAX


def _year(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(_("L'année est obligatoire.")),
            NumberRange(2000, 2100, _("Indiquez une année entre 2000 et 2100.")),
        ],
    )


class VisaForm(FlaskForm):
    number = StringField(
        _("Numéro du visa"),
        description=_("Tel qu'il figure sur le bordereau visé par le directeur des archives départementales."),
        validators=[InputRequired(_("Le numéro du visa est obligatoire.")), Length(max=64)],
    )
    granted_on = DateField(
        _("Date du visa"),
        validators=[InputRequired(_("La date du visa est obligatoire (JJ/MM/AAAA)."))],
    )
    first_year = _year(_("Dernier contact de la famille : de l'année"))
    last_year = _year(_("à l'année"))

    def validate_granted_on(self, field: DateField) -> None:
        if field.data and field.data > date.today():
            raise ValidationError(_("La date du visa ne peut pas être dans le futur."))


class NoticeForm(FlaskForm):
    pass


for _name, _heading in HEADINGS:
    setattr(
        NoticeForm,
        _name,
        TextAreaField(
            _heading,
            validators=[
                InputRequired(_("Cette rubrique est obligatoire.")),
                Length(max=TEXT_MAX, message=_("4000 caractères au plus.")),
            ],
            render_kw={"rows": 5},
        ),
    )
