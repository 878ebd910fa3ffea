"""WTForms classes built from definitions: they render the controls (with CSRF); the values are
cleaned and validated by `validation.validate`, which knows `show_if` and repeatable groups."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField

from app.formengine.fields import field_type
from app.formengine.model import FormDef


class DocumentForm(FlaskForm):
    """Base of every generated form: the document's lock version travels with the values."""

    lock_version = HiddenField()


@cache
def form_class(form: FormDef) -> type[DocumentForm]:
    """The FlaskForm subclass for one version of one form (built once)."""
    attributes: dict[str, Any] = {f.id: field_type(f).wtforms_field(f) for f in form.fields()}
    name = "".join(part.title() for part in form.form_id.split("_")) + f"V{form.version}Form"
    return type(name, (DocumentForm,), attributes)


def build_form(form: FormDef, raw: dict[str, Any], lock_version: int | None = None) -> DocumentForm:
    """A form instance showing `raw` values (never read from the request by itself)."""
    data = dict(raw)
    data["lock_version"] = "" if lock_version is None else str(lock_version)
    return form_class(form)(formdata=None, data=data)
