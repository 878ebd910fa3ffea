from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from app.i18n import _

MAX_FILE_BYTES = 5 * 1024 * 1024  # some 20,000 parcours lines


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
            FileSize(
                MAX_FILE_BYTES,
                message=_(
                    "Le fichier dépasse 5 Mo : découpez-le en plusieurs fichiers et importez-les l'un après l'autre."
                ),
            ),
        ],
        render_kw={"accept": ".csv,text/csv"},
    )
    preview = SubmitField(_("Vérifier le fichier"))


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    confirm = SubmitField(_("Confirmer l'import"))
    cancel = SubmitField(_("Annuler"))
