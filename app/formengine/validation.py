"""Server-side reading and validation of a submitted form: the server decides, not the browser.

Field names follow WTForms: `field`, `group-0-field`, `signature-image`. Errors are keyed by the
same names, so a template can show each message next to its control and link to it. Fields
hidden by `show_if` are dropped, with any error they had.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app import dates
from app.db import utcnow
from app.formengine.fields import Incomplete, Invalid, field_type
from app.formengine.model import FieldDef, FormDef
from app.i18n import _, ngettext

ROW_INDEX_LIMIT = 1000  # indices above this are ignored: a row number is never that large


@dataclass
class Outcome:
    """Cleaned answers and French error messages keyed by field name."""

    answers: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def extract(form: FormDef, formdata: Any) -> dict[str, Any]:
    """The raw values of `form` in a request's form data (a MultiDict, or a plain dict in tests)."""
    raw: dict[str, Any] = {}
    keys = list(formdata.keys())
    for f in form.fields():
        if field_type(f).repeatable:
            raw[f.id] = [
                {sub.id: field_type(sub).raw(formdata, f"{f.id}-{index}-{sub.id}") for sub in f.fields}
                for index in row_indices(f, keys)
            ]
        else:
            raw[f.id] = field_type(f).raw(formdata, f.id)
    return raw


def row_indices(group: FieldDef, keys: list[str]) -> list[int]:
    pattern = re.compile(rf"^{re.escape(group.id)}-(\d{{1,4}})-")
    found = {int(m.group(1)) for key in keys if (m := pattern.match(key))}
    return sorted(i for i in found if i < ROW_INDEX_LIMIT)[: group.max_items + 1]


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


class _Visibility:
    """Evaluates `show_if` on cleaned values: a field is shown when its condition holds and the
    field it depends on is itself shown."""

    def __init__(self, form: FormDef, top_values: dict[str, Any]) -> None:
        self.top = {f.id: f for f in form.fields()}
        self.top_values = top_values

    def shown(
        self, f: FieldDef, row: dict[str, Any] | None = None, group: FieldDef | None = None, depth: int = 0
    ) -> bool:
        if f.show_if is None:
            return True
        if depth > 20:
            return False
        target = group.subfield(f.show_if.field) if group else None
        if target is not None and row is not None:
            value = row.get(target.id)
            return self.shown(target, row, group, depth + 1) and field_type(target).matches(value, f.show_if.values)
        target = self.top[f.show_if.field]
        value = self.top_values.get(target.id)
        return self.shown(target, depth=depth + 1) and field_type(target).matches(value, f.show_if.values)


def _clean(f: FieldDef, raw: Any, name: str, outcome: Outcome, final: bool) -> Any:
    try:
        return field_type(f).clean(f, raw)
    except Incomplete as error:
        if not final:
            return error.partial
        outcome.add(name, str(error))
        return None
    except Invalid as error:
        outcome.add(name, str(error))
        return None


def validate(form: FormDef, raw: dict[str, Any], *, final: bool, previous: dict[str, Any] | None = None) -> Outcome:
    """Clean `raw`; with `final`, also enforce required fields and minimum row counts.

    A draft accepts missing values but never a malformed one. `previous` (the stored answers)
    keeps the time of a signature that was not redrawn.
    """
    outcome = Outcome(answers={})
    scalars = {
        f.id: _clean(f, raw.get(f.id), f.id, outcome, final) for f in form.fields() if not field_type(f).repeatable
    }
    visibility = _Visibility(form, scalars)
    signed_at = _signature_times(form, previous or {})
    for f in form.fields():
        if not visibility.shown(f):
            outcome.errors.pop(f.id, None)
            continue
        if field_type(f).repeatable:
            rows = _group(f, raw.get(f.id), visibility, outcome, final, signed_at)
            if rows:
                outcome.answers[f.id] = rows
            continue
        value = scalars[f.id]
        if field_type(f).signed:
            _stamp(value, signed_at)
        if final and f.required and _empty(value) and f.id not in outcome.errors:
            outcome.add(f.id, _required_message(f))
        if not _empty(value):
            outcome.answers[f.id] = value
    if final:
        top = {f.id: f for f in form.fields()}
        for f in form.fields():
            for message in _date_problems(f, None, outcome.answers, outcome.answers, top):
                outcome.add(f.id, message)
    return outcome


def _date_problems(
    f: FieldDef, group: FieldDef | None, values: dict[str, Any], top_values: dict[str, Any], top: dict[str, FieldDef]
) -> list[str]:
    """The date rules (app.dates) `f`'s value breaks; `after` names a field of the same row, else of the form."""
    value = values.get(f.id)
    if f.type != "date" or not isinstance(value, str):
        return []
    own = dates.DateRules(not_future=f.not_future, birth_date=f.birth_date, after=f.after)
    rules = dates.combined(own, dates.built_in_rules(f.id, group.id if group else None))
    if not rules:
        return []
    target = group.subfield(rules.after) if group and rules.after else None
    source = values if target is not None else top_values
    target = target or (top.get(rules.after) if rules.after else None)
    other = source.get(target.id) if target is not None else None
    return dates.date_problems(
        date.fromisoformat(value),
        rules,
        f.label,
        today=date.today(),
        other=date.fromisoformat(other) if isinstance(other, str) else None,
        other_label=target.label if target is not None else "",
    )


def _group(
    group: FieldDef,
    raw_rows: Any,
    visibility: _Visibility,
    outcome: Outcome,
    final: bool,
    signed_at: dict[str, str],
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if not isinstance(raw_rows, list):
        raw_rows = []
    for index, raw_row in enumerate(raw_rows):
        raw_row = raw_row if isinstance(raw_row, dict) else {}
        names = {sub.id: f"{group.id}-{index}-{sub.id}" for sub in group.fields}
        row_errors = Outcome(answers={})
        cleaned = {sub.id: _clean(sub, raw_row.get(sub.id), names[sub.id], row_errors, final) for sub in group.fields}
        row = {}
        for sub in group.fields:
            if not visibility.shown(sub, cleaned, group):
                row_errors.errors.pop(names[sub.id], None)
                continue
            if field_type(sub).signed:
                _stamp(cleaned[sub.id], signed_at)
            if not _empty(cleaned[sub.id]):
                row[sub.id] = cleaned[sub.id]
        if not row and not row_errors.errors:
            continue  # an empty row is not a row
        if final:
            for sub in group.fields:
                for message in _date_problems(sub, group, row, visibility.top_values, visibility.top):
                    row_errors.add(names[sub.id], message)
        for sub in group.fields:
            missing = sub.required and sub.id not in row and names[sub.id] not in row_errors.errors
            if final and missing and visibility.shown(sub, cleaned, group):
                row_errors.add(names[sub.id], _required_message(sub))
        for name, messages in row_errors.errors.items():
            outcome.errors.setdefault(name, []).extend(messages)
        rows.append(row)
    minimum = max(group.min_items, 1 if group.required else 0)
    if final and len(rows) < minimum:
        outcome.add(
            group.id,
            ngettext("Ajoutez au moins %(num)d ligne.", "Ajoutez au moins %(num)d lignes.", minimum) % {"num": minimum},
        )
    if len(rows) > group.max_items:
        outcome.add(group.id, _("%(num)d lignes au plus.") % {"num": group.max_items})
    return rows


def _required_message(f: FieldDef) -> str:
    return field_type(f).required_message


def _signature_times(form: FormDef, previous: dict[str, Any]) -> dict[str, str]:
    """Signing time of every previously stored drawing, by image."""
    times: dict[str, str] = {}

    def collect(fields: tuple[FieldDef, ...], values: dict[str, Any]) -> None:
        for f in fields:
            value = values.get(f.id)
            if field_type(f).signed and isinstance(value, dict) and value.get("image") and value.get("signed_at"):
                times[value["image"]] = value["signed_at"]
            elif field_type(f).repeatable and isinstance(value, list):
                for row in value:
                    if isinstance(row, dict):
                        collect(f.fields, row)

    collect(form.fields(), previous)
    return times


def _stamp(value: dict[str, Any] | None, signed_at: dict[str, str]) -> None:
    """A drawing keeps the time it was first received; a new drawing is timed now (UTC)."""
    if value and value.get("image"):
        value["signed_at"] = signed_at.get(value["image"]) or utcnow().isoformat(timespec="seconds")


def to_raw(form: FormDef, answers: dict[str, Any]) -> dict[str, Any]:
    """The form data that shows `answers` in the form (the inverse of cleaning)."""
    raw: dict[str, Any] = {}
    for f in form.fields():
        value = answers.get(f.id)
        if field_type(f).repeatable:
            raw[f.id] = [
                {sub.id: field_type(sub).to_raw(sub, row.get(sub.id)) for sub in f.fields} for row in value or []
            ]
        else:
            raw[f.id] = field_type(f).to_raw(f, value)
    return raw
