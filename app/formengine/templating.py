"""Helpers the document templates call: conditions as data attributes, values as French text."""

from __future__ import annotations

from typing import Any

from app.formengine.fields import NO, YES, field_type
from app.formengine.model import FieldDef, FormDef
from app.formengine.validation import to_raw


def show_if_of(f: FieldDef, scope_prefix: str, group: FieldDef | None, definition: FormDef) -> dict[str, Any] | None:
    """The controlling field's HTML name, the values that show `f` (as submitted), and French labels."""
    if f.show_if is None:
        return None
    sibling = group.subfield(f.show_if.field) if group else None
    target = sibling or definition.field(f.show_if.field)
    assert target is not None
    values = [(YES if v else NO) if isinstance(v, bool) else str(v) for v in f.show_if.values]
    return {
        "name": f"{scope_prefix}{target.id}" if sibling else target.id,
        "values": values,
        "label": target.label,
        "labels": ", ".join(_label(target, v) for v in f.show_if.values),
    }


def _label(target: FieldDef, value: Any) -> str:
    return field_type(target).condition_label(target, value)


def display(f: FieldDef, value: Any) -> str:
    return field_type(f).display(f, value)


def differences(form: FormDef, raw: dict[str, Any], stored: dict[str, Any]) -> dict[str, str]:
    """Field name → stored value (French text), for every field where the stored version differs."""
    stored_raw = to_raw(form, stored)
    found: dict[str, str] = {}
    for f in form.fields():
        if _comparable(raw.get(f.id)) == _comparable(stored_raw.get(f.id)):
            continue
        value = stored.get(f.id)
        if field_type(f).repeatable:
            rows = [
                "; ".join(display(sub, row.get(sub.id)) for sub in f.fields if row.get(sub.id)) for row in value or []
            ]
            found[f.id] = " | ".join(rows)
        else:
            found[f.id] = display(f, value)
    return found


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        rows = [_comparable(v) for v in value]
        return [r for r in rows if r not in ("", [], {}, None)]
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if _comparable(v) not in ("", [], None)}
    if isinstance(value, str):
        return value.strip()
    return value


def label_of(definition: FormDef, name: str) -> str:
    """The French label of a field from its HTML name (`group-0-field` → "Group 1 : Field")."""
    top_id, _sep, rest = name.partition("-")
    top = definition.field(top_id)
    if top is None:
        return name
    index, _sep, sub_id = rest.partition("-")
    sub = top.subfield(sub_id.split("-")[0]) if sub_id else None
    if sub is not None and index.isdigit():
        return f"{top.label} {int(index) + 1} : {sub.label}"
    return top.label


TEMPLATE_GLOBALS = {"show_if_of": show_if_of, "display_value": display, "field_label": label_of}
