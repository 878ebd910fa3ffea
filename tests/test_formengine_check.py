"""`parcours forms check` on the shipped set and on broken copies; the app refuses a broken set."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import create_app
from app.cli import main
from app.formengine import FormSetError
from app.formengine.loader import publish
from app.nomenclature import FORMS_DIR
from tests.conftest import make_instance


@pytest.fixture()
def forms_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FORMS_DIR, tmp_path / "forms"))


def check(directory: Path | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["forms", "check", *([str(directory)] if directory else [])])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_set_is_valid() -> None:
    code, output = check()
    assert code == 0, output
    assert "orientation v1" in output and "orientation v2" in output and "contrat v1" in output
    assert "suivi v2" in output


def republished(change: Callable[[Path], None]) -> Callable[[Path], None]:
    """Apply `change` to suivi v1 and re-lock it, so that only the change itself is wrong."""

    def apply(directory: Path) -> None:
        change(directory / "suivi" / "v1.yaml")
        lock = directory / "forms.lock"
        lock.write_text("".join(line for line in lock.read_text().splitlines(True) if "suivi/" not in line))
        publish(directory)

    return apply


BROKEN = [
    (
        "unknown type",
        republished(lambda p: edit(p, "{id: date_contrat, type: date", "{id: date_contrat, type: calendrier")),
        "date_contrat: unknown type `calendrier`",
    ),
    (
        "duplicate id",
        republished(lambda p: edit(p, "{id: date_contrat,", "{id: objectifs,")),
        "objectifs: duplicate field id `objectifs`",
    ),
    (
        "unknown key",
        republished(lambda p: edit(p, "label: Date du contrat,", "label: Date du contrat, couleur: rouge,")),
        "date_contrat: unknown key `couleur`",
    ),
    (
        "bad YAML",
        republished(lambda p: edit(p, "sections:", "sections: [unclosed")),
        "bad YAML",
    ),
    (
        "show_if on an unknown field",
        republished(
            lambda p: edit(
                p, "label: Date du contrat,", "label: Date du contrat, show_if: {field: fantome, equals: x},"
            )
        ),
        "date_contrat: show_if refers to unknown field `fantome`",
    ),
    (
        "choice outside the nomenclature",
        republished(lambda p: edit(p, "dimension: action,", "dimension: action, choices: [parentalite, cirque],")),
        "choice code `cirque` is not in nomenclature dimension `action`",
    ),
    (
        "published version changed",
        lambda d: edit(d / "suivi" / "v1.yaml", "Date du contrat", "Date de signature du contrat"),
        "its sha256 differs from forms.lock",
    ),
    (
        "version not published",
        lambda d: shutil.copy(d / "suivi" / "v1.yaml", d / "suivi" / "v9.yaml"),
        "not published in forms.lock",
    ),
]


@pytest.mark.parametrize(("change", "expected"), [(c, e) for _n, c, e in BROKEN], ids=[n for n, _c, _e in BROKEN])
def test_a_broken_copy_is_refused_naming_file_field_and_reason(
    forms_copy: Path, change: Callable[[Path], None], expected: str
) -> None:
    change(forms_copy)
    code, output = check(forms_copy)
    assert code == 1
    assert expected in output
    assert "suivi/v" in output  # the file is named


def test_every_error_is_reported_at_once(forms_copy: Path) -> None:
    republished(
        lambda p: (
            edit(p, "{id: date_contrat, type: date", "{id: date_contrat, type: calendrier"),
            edit(p, "dimension: action,", "dimension: action, couleur: rouge,"),
        )
    )(forms_copy)
    code, output = check(forms_copy)
    assert code == 1 and "calendrier" in output and "couleur" in output


def test_the_app_refuses_to_start_on_an_invalid_set(forms_copy: Path, tmp_path: Path) -> None:
    edit(forms_copy / "fin_prise_en_charge" / "v1.yaml", "type: date", "type: jour")
    instance = make_instance(tmp_path / "instance")
    with pytest.raises(FormSetError, match=r"fin_prise_en_charge/v1\.yaml"):
        create_app(instance, {"forms_dir": str(forms_copy)})


def test_lock_publishes_new_versions_without_touching_published_ones(forms_copy: Path) -> None:
    before = (forms_copy / "forms.lock").read_text()
    shutil.copy(forms_copy / "suivi" / "v1.yaml", forms_copy / "suivi" / "v9.yaml")
    edit(forms_copy / "suivi" / "v9.yaml", "version: 1", "version: 9")
    result = CliRunner().invoke(main, ["forms", "lock", str(forms_copy)])
    assert result.exit_code == 0 and "suivi/v9.yaml" in result.output
    after = (forms_copy / "forms.lock").read_text()
    assert set(before.splitlines()) < set(after.splitlines())
    assert check(forms_copy)[0] == 0
