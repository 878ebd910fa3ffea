from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from app.i18n import _


class UploadForm(FlaskForm):
    file = FileField(
        _("Fichier CSV à importer"),
        description=_(
            "Une ligne par parcours, séparateur « ; » ou « , », dates JJ/MM/AAAA ou AAAA-MM-JJ. "
            "Le fichier est d'abord vérifié : rien n'est enregistré avant votre confirmation."
        ),
        validators=[
            FileRequired(_("Choisissez un fichier.")),
            FileAllowed(["csv"], _("Le fichier doit être au format CSV (extension .csv).")),
        ],
        render_kw={"accept": ".csv,text/csv"},
    )
    preview = SubmitField(_("Vérifier le fichier"))


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    confirm = SubmitField(_("Confirmer l'import"))
    cancel = SubmitField(_("Annuler"))
