"""The audit trail for admins: who did what to which record, filtered and paged; never the data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import false, func, select

from app.admin.audit_labels import CATEGORIES, action_label, object_label
from app.audit import services as audit
from app.audit.models import AuditEvent
from app.authz import Permission, current_user, requires
from app.db import db
from app.i18n import _
from app.params import bounded_date, bounded_int
from app.users.models import User

bp = Blueprint("audit", __name__, url_prefix="/admin/journal")

PAGE_SIZE = 100


def _day(name: str) -> date | None:
    return bounded_date(request.args.get(name))


@bp.get("/")
@requires(Permission.AUDIT_VIEW)
def index() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    category = request.args.get("categorie", "")
    start, end = _day("du"), _day("au")
    page = bounded_int(request.args.get("page"), minimum=1, maximum=100_000) or 1
    query = select(AuditEvent).where(AuditEvent.programme_id == user.programme_id)
    if category in CATEGORIES:
        query = query.where(AuditEvent.action.startswith(category))
    range_error = None
    if start and end and start > end:
        range_error = _(
            "La date « Du » est après la date « Au » : aucune période ne correspond. Inversez les deux dates."
        )
        query = query.where(false())
    if start:
        query = query.where(AuditEvent.at >= datetime.combine(start, time.min))
    if end:
        query = query.where(AuditEvent.at < datetime.combine(end + timedelta(days=1), time.min))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = db.session.scalars(
        query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    actors = {u.id: u for u in db.session.scalars(select(User).where(User.programme_id == user.programme_id))}
    broken = audit.verify(db.session) if request.args.get("verifier") else []
    audit.record(db.session, "audit.read", actor_id=user.id, programme_id=user.programme_id)
    db.session.commit()
    return render_template(
        "audit/index.html",
        events=events,
        actors=actors,
        categories=CATEGORIES,
        category=category,
        start=start,
        end=end,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total,
        verified="verifier" in request.args,
        broken=broken,
        action_label=action_label,
        object_label=object_label,
        range_error=range_error,
    ), (422 if range_error else 200)
