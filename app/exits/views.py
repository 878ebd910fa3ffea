"""The coordinator closes a parcours without the family; the sealed record is downloaded from the child's file."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, FormField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList

from app.audit import services as audit
from app.authz import Permission, current_user, policy, requires
from app.children.models import Child, Parcours
from app.children.services import EXITS_WITHOUT_FAMILY, read_identity
from app.dates import DateError, parse_date
from app.db import db
from app.exits import services
from app.exits.models import Closure
from app.i18n import _
from app.nomenclature import nomenclature
from app.users.models import Programme, User

bp = Blueprint("exits", __name__)
ATTEMPT_ROWS = 4


class AttemptForm(Form):
    day = StringField(_("Date"), render_kw={"type": "date"})
    # Checked by the service (rows left empty are skipped), with a French message.
    means = SelectField(_("Moyen"), choices=[SelectChoice("", _("—"))], validate_choice=False)
    detail = StringField(_("Précision"))


class ClosureForm(FlaskForm):
    motif = SelectField(_("Motif de sortie"))
    date_sortie = StringField(_("Date de sortie"), render_kw={"type": "date"})
    attempts = FieldList(FormField(AttemptForm), min_entries=ATTEMPT_ROWS, max_entries=ATTEMPT_ROWS)
    note = TextAreaField(_("Note (courte)"))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        n = nomenclature()
        self.motif.choices = [SelectChoice(c, n.label("motif_sortie", c)) for c in sorted(EXITS_WITHOUT_FAMILY)]
        means = [SelectChoice("", _("—"))] + [SelectChoice(c, label) for c, label in services.MEANS.items()]
        for entry in self.attempts:
            entry.form.means.choices = means


class SettingForm(FlaskForm):
    exits_need_eps = BooleanField(_("Les sorties sans signature de la famille sont validées par l'EPS"))


def _actor() -> User:
    user = current_user()
    assert user is not None
    return user


def _date(text: str, label: str) -> date:
    try:
        return parse_date(text.strip())
    except DateError as error:
        raise services.ExitError(f"{label} : {error}") from None


def _attempts(form: ClosureForm) -> list[services.Attempt]:
    found = []
    for entry in form.attempts:
        values = entry.form
        if not (values.day.data or values.means.data or values.detail.data):
            continue
        day = _date(values.day.data or "", _("Date d'une tentative de contact"))
        found.append(services.Attempt(day, values.means.data or "", (values.detail.data or "").strip()))
    return found


@bp.route("/parcours/<parcours_id>/cloture", methods=["GET", "POST"])
@requires(Permission.EPS_DECIDE, load=services.load_parcours, audit_read="parcours.closure.form")
def close(parcours: Parcours, parcours_id: str) -> ResponseReturnValue:
    form = ClosureForm()
    programme = db.session.get(Programme, parcours.programme_id)
    assert programme is not None
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("La demande n'a pas pu être traitée ; rechargez la page et recommencez."), "error")
        else:
            try:
                closure = services.close_without_family(
                    db.session,
                    _actor(),
                    parcours,
                    form.motif.data or "",
                    _date(form.date_sortie.data or "", _("Date de sortie")),
                    _attempts(form),
                    form.note.data or "",
                )
            except services.ExitError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                db.session.commit()
                if closure.status == "proposee":
                    flash(_("Sortie proposée : elle sera inscrite à la prochaine séance de l'EPS."), "success")
                else:
                    flash(_("Parcours clos. Le relevé de clôture est dans le dossier de l'enfant."), "success")
                return redirect(url_for("children.show", child_id=parcours.child.public_id))
    return render_template(
        "exits/close.html",
        form=form,
        parcours=parcours,
        identity=read_identity(parcours.child),
        programme=programme,
        pending=services.pending_closure(db.session, parcours),
        setting=SettingForm(formdata=None, exits_need_eps=programme.exits_need_eps),
    ), (200 if request.method == "GET" else 422)


@bp.post("/programme/sorties-eps")
@requires(Permission.EPS_DECIDE)
def setting() -> ResponseReturnValue:
    """The programme's choice: exits without the family take effect at once, or once the EPS validates them."""
    form = SettingForm()
    user = _actor()
    if form.validate_on_submit():
        programme = db.session.get(Programme, user.programme_id)
        assert programme is not None
        programme.exits_need_eps = bool(form.exits_need_eps.data)
        audit.record_for(db.session, "programme.setting.exits_need_eps", programme, actor_id=user.id)
        db.session.commit()
        flash(_("Réglage enregistré."), "success")
    else:
        flash(_("La demande n'a pas pu être traitée ; rechargez la page et recommencez."), "error")
    parcours_id = request.form.get("parcours_id", "")
    return redirect(url_for("exits.close", parcours_id=parcours_id) if parcours_id else url_for("home.index"))


@bp.get("/clotures/<closure_id>.pdf")
@requires(Permission.DOCUMENT_VIEW, load=services.load_closure, audit_read="parcours.closure.download")
def record_pdf(closure: Closure, closure_id: str) -> ResponseReturnValue:
    if closure.pdf is None:
        return render_template(
            "error.html", title=_("Relevé absent"), text=_("Cette sortie n'a pas pris effet."), code=404
        ), 404
    name = f"cloture-{closure.parcours.child.pseudonym}-{closure.date_sortie:%Y-%m-%d}.pdf"
    return Response(
        services.read_pdf(closure),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.app_template_global()
def closures_of_child(child: Child) -> dict[str, Any]:
    user = current_user()
    return {
        "by_parcours": services.closures_of(db.session, child),
        "may_close": policy(user, Permission.EPS_DECIDE, child),
        "motif": services.motif_label,
    }
