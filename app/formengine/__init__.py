"""Form engine: form definitions loaded from `forms/`, field types, validation, WTForms classes."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from app.formengine.definitions import DefinitionError
from app.formengine.loader import FormSet, FormSetError, check_form_set, load_form_set
from app.formengine.model import FieldDef, FormDef, SectionDef, ShowIf

EXTENSION = "parcours_forms"

__all__ = [
    "EXTENSION",
    "DefinitionError",
    "FieldDef",
    "FormDef",
    "FormSet",
    "FormSetError",
    "SectionDef",
    "ShowIf",
    "check_form_set",
    "form_set",
    "install",
    "load_form_set",
]


def form_set() -> FormSet:
    """The form set loaded by `create_app`."""
    forms: FormSet = current_app.extensions[EXTENSION]
    return forms


def install(app: Flask) -> None:
    """Load the form set into `app` (refusing to start on any error); `forms_dir` may override it."""
    from app.nomenclature import FORMS_DIR

    directory = Path(app.config["PARCOURS"].extra.get("forms_dir") or FORMS_DIR)
    app.extensions[EXTENSION] = load_form_set(directory)
    from app.formengine.templating import TEMPLATE_GLOBALS

    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
