"""`evaluation.progression` and `evaluation.suite`: exit evaluations finalised in the period.

Grouped queries over the clear code table written when an exit evaluation is finalised
(`app.documents.contract.record_exit_evaluation`, one row per evaluated objective, latest version
of each evaluation only); nothing is decrypted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.documents.models import EvaluatedObjective, ExitEvaluation
from app.nomenclature import nomenclature


def empty_block() -> dict[str, dict[str, int]]:
    """Every code of `progression` and `suite` at 0."""
    n = nomenclature()
    return {"progression": dict.fromkeys(n.codes("progression"), 0), "suite": dict.fromkeys(n.codes("suite"), 0)}


def count_evaluations(session: Session, programme_id: int, start: date, end: date, result: dict[str, Any]) -> None:
    """Objectives by progression level, and evaluations by next step, finalised in [start, end]."""
    e, o = ExitEvaluation, EvaluatedObjective
    in_period = (e.programme_id == programme_id, e.finalised_on.between(start, end))
    block = result["evaluation"]
    objectives = (
        select(o.progression, func.count())
        .join_from(o, e, o.document_id == e.document_id)
        .where(*in_period)
        .group_by(o.progression)
    )
    for code, n in session.execute(objectives):
        block["progression"][code] = block["progression"].get(code, 0) + n
    suites = select(e.suite, func.count()).where(*in_period, e.suite.is_not(None)).group_by(e.suite)
    for suite, count in session.execute(suites):
        block["suite"][suite] = block["suite"].get(suite, 0) + count
