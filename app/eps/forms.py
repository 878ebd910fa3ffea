"""Forms of the EPS séance (labels and errors in French)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.i18n import _
from app.nomenclature import Decision, nomenclature


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


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        known = {str(value) for value, _label in self.choices or []}
        if any(value not in known for value in self.data or []):
            raise ValidationError(_("Choisissez des valeurs de la liste."))


class SeanceForm(FlaskForm):
    day = FrenchDateField(_("Date"), validators=[InputRequired(_("Indiquez la date."))])
    hour = TimeField(_("Heure"), validators=[InputRequired(_("Indiquez l'heure."))])
    lieu = StringField(_("Lieu"), validators=[DataRequired(_("Indiquez le lieu.")), Length(max=200)])


class ParticipantsForm(FlaskForm):
    members = MultiCheckbox(_("Membres de l'EPS invités"), coerce=str)
    externals = TextAreaField(
        _("Personnes extérieures à ajouter"),
        description=_("Une par ligne : « Nom ; Structure » (par exemple « Mme Diallo ; Collège Bouéni »)."),
        validators=[Length(max=4000)],
    )


class AddItemForm(FlaskForm):
    situation = ChoiceField(_("Situation à inscrire"))


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["-1", "1"])])


class AttendanceForm(FlaskForm):
    presents = MultiCheckbox(_("Membres présents"), coerce=str)
    externes_presents = MultiCheckbox(_("Personnes extérieures présentes"), coerce=str)


class DecisionForm(FlaskForm):
    outcome = ChoiceField(_("Décision"))
    decided_on = FrenchDateField(
        _("Date de la décision"), default=date.today, validators=[InputRequired(_("Indiquez la date."))]
    )
    reorientation = ChoiceField(
        _("Réorientation vers"), description=_("Seulement pour une réorientation."), validators=[Optional()]
    )
    manque = ChoiceField(_("Ce qui manque"), description=_("Seulement pour un ajournement."), validators=[Optional()])
    preconisations = MultiCheckbox(_("Préconisations"), coerce=str)
    note = TextAreaField(
        _("Préconisations en quelques mots"),
        description=_("Facultatif, 400 caractères au plus ; pas de nom."),
        validators=[Length(max=400)],
    )
    referent_id = ChoiceField(
        _("Référent·e"),
        description=_("Pour une admission ; sans référent·e, l'enfant va en liste d'attente."),
        validators=[Optional()],
    )

    date_entree = FrenchDateField(
        _("Date d'entrée"), description=_("Facultative ; seulement pour une admission."), validators=[Optional()]
    )

    def __init__(self, orientation: bool, referents: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        n = nomenclature()
        if orientation:
            self.outcome.choices = [
                (c, text) for c, text in n["decision_eps"].codes.items() if c != Decision.EN_ATTENTE
            ]
        else:
            self.outcome.choices = list(n["revue_eps"].codes.items())
        none = [("", _("— sans objet —"))]
        self.reorientation.choices = none + list(n["service_reorientation"].codes.items())
        self.manque.choices = none + list(n["manque_ajournement"].codes.items())
        self.preconisations.choices = list(n["action"].codes.items())
        self.referent_id.choices = [("", _("— liste d'attente ou référent·e actuel·le —")), *referents]


class PresentationForm(FlaskForm):
    presentation = TextAreaField(
        _("Présentation de la situation"),
        description=_("Des faits, sans nom ni adresse : ce texte est lu par les membres de l'EPS."),
        validators=[Length(max=1200)],
    )
    confirm_names = BooleanField(_("Je confirme : ce texte peut être partagé tel quel avec l'EPS."))


class CharterForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    accept = BooleanField(
        _("J'ai lu la charte et je m'engage à la respecter."),
        validators=[DataRequired(_("Cochez la case pour accepter la charte."))],
    )


class TextForm(FlaskForm):
    kind = HiddenField(validators=[AnyOf(["charte", "courrier_famille", "retour_orienteur"])])
    body = TextAreaField(_("Texte"), validators=[DataRequired(_("Le texte ne peut pas être vide.")), Length(max=8000)])


class ReviewRequestForm(FlaskForm):
    kind = ChoiceField(_("Demande"))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind.choices = [("revue", _("Revue du parcours")), ("sortie", _("Proposer la sortie"))]
