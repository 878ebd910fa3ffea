"""Élimination page (coordinator): visas, bordereaux, files due; the families' information notice."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.audit import services as audit
from app.authz import Permission, current_user, requires
from app.db import db
from app.i18n import _
from app.retention.elimination import (
    EliminationError,
    eliminations_of,
    plan_elimination,
    record_visa,
    visas_of,
)
from app.retention.forms import NoticeForm, VisaForm
from app.retention.models import Elimination
from app.retention.notice import HEADINGS, NoticeError, notice_of, notice_pdf, update_notice
from app.users.models import Programme

bp = Blueprint("retention", __name__)


def _programme() -> Programme:
    user = current_user()
    assert user is not None
    programme = db.session.get(Programme, user.programme_id)
    assert programme is not None
    return programme


def _retention_years() -> int:
    years: int = current_app.config["PARCOURS"].retention_years
    return years


def load_elimination(elimination_id: str) -> Elimination | None:
    return db.session.scalar(select(Elimination).where(Elimination.public_id == elimination_id))


def _page(form: VisaForm) -> str:
    programme = _programme()
    plan = plan_elimination(db.session, programme, date.today(), _retention_years())
    return render_template(
        "retention/index.html",
        form=form,
        programme=programme,
        plan=plan,
        visas=visas_of(db.session, programme),
        eliminations=eliminations_of(db.session, programme),
        retention_years=_retention_years(),
    )


@bp.get("/elimination")
@requires(Permission.RETENTION_MANAGE)
def index() -> ResponseReturnValue:
    return _page(VisaForm())


@bp.post("/elimination/visa")
@requires(Permission.RETENTION_MANAGE)
def add_visa() -> ResponseReturnValue:
    form = VisaForm()
    if not form.validate_on_submit():
        return _page(form), 400
    assert form.granted_on.data and form.first_year.data and form.last_year.data
    try:
        record_visa(
            db.session,
            _programme(),
            number=form.number.data or "",
            granted_on=form.granted_on.data,
            first_year=form.first_year.data,
            last_year=form.last_year.data,
            actor=current_user(),
        )
    except EliminationError as error:
        db.session.rollback()
        form.number.errors = [str(error)]
        return _page(form), 400
    db.session.commit()
    flash(_("Visa d'élimination enregistré : « parcours purge » peut maintenant éliminer les dossiers qu'il couvre."))
    return redirect(url_for("retention.index"))


@bp.get("/elimination/<elimination_id>/bordereau.pdf")
@requires(Permission.RETENTION_MANAGE, load=load_elimination)
def bordereau(elimination: Elimination, elimination_id: str) -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    audit.record_for(db.session, "elimination.bordereau_download", elimination, actor_id=user.id)
    db.session.commit()
    name = f"bordereau-elimination-{elimination.performed_at:%Y-%m-%d}-{elimination.public_id}.pdf"
    response = send_file(
        io.BytesIO(elimination.bordereau), mimetype="application/pdf", as_attachment=True, download_name=name
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the families' information notice -----------------------------------------------------


def _public_programme(code: str) -> Programme:
    programme = db.session.scalar(select(Programme).where(Programme.code == code.upper()))
    if programme is None:
        abort(404)
    return programme


@bp.get("/information-familles/<code>")
@requires(Permission.PUBLIC)
def notice(code: str) -> ResponseReturnValue:
    programme = _public_programme(code)
    text = notice_of(db.session, programme, _retention_years())
    parts = [(heading, getattr(text, name)) for name, heading in HEADINGS]
    return render_template("retention/notice.html", programme=programme, parts=parts)


@bp.get("/information-familles/<code>/notice.pdf")
@requires(Permission.PUBLIC)
def notice_file(code: str) -> ResponseReturnValue:
    programme = _public_programme(code)
    pdf = notice_pdf(db.session, programme)
    name = f"notice-information-familles-{programme.code}.pdf"
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=False, download_name=name)


def _notice_page(form: NoticeForm) -> str:
    return render_template("retention/notice_edit.html", form=form, programme=_programme(), headings=HEADINGS)


@bp.get("/notice-familles")
@requires(Permission.RETENTION_MANAGE)
def edit_notice() -> ResponseReturnValue:
    form = NoticeForm(data=vars(notice_of(db.session, _programme(), _retention_years())))
    return _notice_page(form)


@bp.post("/notice-familles")
@requires(Permission.RETENTION_MANAGE)
def save_notice() -> ResponseReturnValue:
    form = NoticeForm()
    if not form.validate_on_submit():
        return _notice_page(form), 400
    user = current_user()
    assert user is not None
    try:
        update_notice(db.session, _programme(), {name: form[name].data for name, _heading in HEADINGS}, user)
    except NoticeError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _notice_page(form), 400
    db.session.commit()
    flash(_("Notice d'information enregistrée : la page publique et le PDF la montrent désormais."))
    return redirect(url_for("retention.edit_notice"))
