"""Form engine: form definitions loaded from `forms/`, field types, validation, WTForms classes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    "forms_directory",
    "install",
    "load_form_set",
]


def form_set() -> FormSet:
    """The form set loaded by `create_app`."""
    forms: FormSet = current_app.extensions[EXTENSION]
    return forms


INSTALLED_DIR = "forms"  # inside the instance folder: the set installed by `parcours forms install`


def forms_directory(settings: Any) -> Path:
    """Where the instance's form set is: `forms_dir` in the config, else the set installed in the
    instance (`instance/forms/`), else the set shipped with Parcours."""
    from app.nomenclature import FORMS_DIR

    if settings.extra.get("forms_dir"):
        return Path(settings.extra["forms_dir"])
    installed = Path(settings.instance_path) / INSTALLED_DIR
    return installed if (installed / "set.yaml").is_file() else FORMS_DIR


def install(app: Flask) -> None:
    """Load the form set into `app` (refusing to start on any error), see `forms_directory`."""
    app.extensions[EXTENSION] = load_form_set(forms_directory(app.config["PARCOURS"]))
    from app.formengine.templating import TEMPLATE_GLOBALS

    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
