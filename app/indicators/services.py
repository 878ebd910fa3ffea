"""The one export of the yearly indicators (JSON, CSV, PDF report), for the web and the CLI alike.

Computes the year (one programme, or a network of programmes consolidated), masks small counts
for external sharing, renders, and records the `indicators.export` audit event.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.audit import services as audit
from app.i18n import _
from app.indicators.compute import NETWORK as NETWORK
from app.indicators.compute import Period, PeriodError, compute, consolidate, period_of, previous_period
from app.indicators.compute import mean_months as mean_months
from app.indicators.summary import mask_small_counts

FORMATS = ("json", "csv", "pdf")
MIMETYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


class ExportError(ValueError):
    """`str(error)` says in French why this export cannot be made."""


@dataclass(frozen=True)
class IndicatorsExport:
    body: bytes
    mimetype: str
    name: str  # `2025.csv`, `2025-2026.json`, `2025-diffusion-externe.pdf`


def yearly(
    session: Session, period: Period, programme_id: int | None, network: Sequence[int] | None = None
) -> dict[str, Any]:
    """The indicators of one programme, or of every programme of `network` consolidated."""
    if network is not None:
        return consolidate(session, list(network), period)
    assert programme_id is not None
    return compute(session, programme_id, period)


def named_period(year: int | str) -> Period:
    """The calendar year (`2025`) or school year (`2025-2026`); ExportError saying what is accepted."""
    try:
        return period_of(year)
    except PeriodError as error:
        raise ExportError(str(error)) from error


def exact_indicators(session: Session, programme_id: int, year: int | str) -> dict[str, Any]:
    """The exact indicators of one programme for a period, as the JSON export gives them: what a
    programme signs and shares with its network."""
    return yearly(session, named_period(year), programme_id)


def export_indicators(
    session: Session,
    year: int | str,
    output_format: str,
    *,
    programme_id: int | None,
    programme_name: str,
    network: Sequence[int] | None = None,
    external: bool = False,
    actor_id: int | None = None,
    instance_path: Path | None = None,
) -> IndicatorsExport:
    """Render the year (`2025`, or the school year `2025-2026`) in `output_format`, audited in the
    caller's transaction (the caller commits). The CSV names the questionnaire's lines when the
    instance at `instance_path` has a mapping installed."""
    if output_format not in FORMATS:
        raise ExportError(_("Format inconnu : json, csv ou pdf."))
    if external and output_format == "json":
        raise ExportError(_("La diffusion externe vaut pour les formats csv et pdf ; le JSON reste exact."))
    period = named_period(year)
    result = yearly(session, period, programme_id, network)
    if external:
        result = mask_small_counts(result)
    # The exports (and the PDF library) are imported only for the format asked: JSON loads neither.
    if output_format == "json":
        body = (json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    elif output_format == "csv":
        from app.indicators.export import to_csv
        from app.indicators.questionnaire import MappingError, installed

        try:
            mapping = installed(instance_path) if instance_path is not None else None
        except MappingError as error:
            raise ExportError(str(error)) from error
        body = to_csv(result, mapping).encode("utf-8")
    else:
        from app.indicators.export import to_pdf

        previous = yearly(session, previous_period(period), programme_id, network)
        body = to_pdf(result, mask_small_counts(previous) if external else previous, programme_name)
    label = period.label
    name = f"{label}-diffusion-externe.{output_format}" if external else f"{label}.{output_format}"
    audit.record(
        session,
        "indicators.export",
        actor_id=actor_id,
        programme_id=programme_id,
        target_type="indicators",
        target_id=name,
    )
    return IndicatorsExport(body, MIMETYPES[output_format], name)
