"""Form sets shared by a network: comparison, signed package, installation in an instance."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy.orm import Session

from app.cli import main
from app.crypto.certificates import KeyMaterial, self_signed
from app.formengine import form_set, forms_directory, load_form_set
from app.formengine.loader import publish
from app.formsets import services
from app.formsets.package import PackageError, build_package, load_files, verify_package
from app.nomenclature import FORMS_DIR
from tests.test_import_cli import run


@cache
def network_material() -> KeyMaterial:
    return self_signed("Réseau des PRE de test", "Réseau des PRE de test")


@cache
def other_material() -> KeyMaterial:
    return self_signed("Autre éditeur", "Autre éditeur")


# The version of the shipped set (forms/set.yaml); the proposed set is published as the next one.
SHIPPED = load_form_set(FORMS_DIR).version
# The orientation version in use; the proposed set publishes the next one.
LATEST = load_form_set(FORMS_DIR).latest("orientation").version
NEXT = LATEST + 1


def proposed_set(target: Path) -> Path:
    """The shipped set plus the next orientation version (label, required flag, removed and added fields, new
    section) and a new nomenclature code, published as the set's next version (SHIPPED + 1)."""
    shutil.copytree(FORMS_DIR, target)
    v1 = (target / "orientation" / f"v{LATEST}.yaml").read_text(encoding="utf-8")
    v2 = (
        v1.replace(f"version: {LATEST}", f"version: {NEXT}", 1)
        .replace(
            "{id: nom, type: text, label: Nom, required: true",
            "{id: nom, type: text, label: Nom de famille, required: true",
            1,
        )
        .replace(
            "{id: adresse, type: text, label: Adresse, max_length: 300}",
            "{id: adresse, type: text, label: Adresse, required: true, max_length: 300}",
        )
        .replace(
            "      - id: ref_famille\n        type: text\n        label: Référence famille\n"
            "        help: Les frères et sœurs suivis partagent la même référence.\n        max_length: 40\n",
            "",
        )
        .replace(
            "sections:\n",
            "sections:\n  - id: accord\n    title: Accord de la famille\n    fields:\n"
            "      - {id: accord_famille, type: yes_no, label: La famille est d'accord, required: true}\n",
            1,
        )
    )
    assert v2.count("Nom de famille") == 1 and "ref_famille" not in v2.split("sections:")[1].split("responsables")[0]
    (target / "orientation" / f"v{NEXT}.yaml").write_text(v2, encoding="utf-8")
    nomenclature = (target / "nomenclature.yaml").read_text(encoding="utf-8")
    (target / "nomenclature.yaml").write_text(
        nomenclature.replace("      famille: ", "      mission_locale: Mission locale\n      famille: ", 1),
        encoding="utf-8",
    )
    (target / "set.yaml").write_text(
        (target / "set.yaml").read_text(encoding="utf-8").replace(f"version: {SHIPPED}", f"version: {SHIPPED + 1}"),
        encoding="utf-8",
    )
    publish(target)
    return target


@pytest.fixture()
def proposed(tmp_path: Path) -> Path:
    return proposed_set(tmp_path / "propose")


def test_the_comparison_names_every_change_in_french(proposed: Path) -> None:
    result = CliRunner().invoke(main, ["forms", "diff", str(FORMS_DIR), str(proposed)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert f"« Documents harmonisés des PRE » v{SHIPPED} → « Documents harmonisés des PRE » v{SHIPPED + 1}" in text
    assert f"~ Fiche d'orientation — Version en usage : « v{LATEST} » → « v{NEXT} »" in text
    assert "Libellé : « Nom » → « Nom de famille »" in text
    assert "› Adresse — Obligatoire : « non » → « oui »" in text
    assert "- Fiche d'orientation › L'enfant › Référence famille — Champ" in text
    assert "+ Fiche d'orientation › Accord de la famille — Section" in text
    assert "Code mission_locale : Mission locale" in text
    assert f"+ Versions publiées — orientation/v{NEXT}.yaml" in text
    same = CliRunner().invoke(main, ["forms", "diff", str(FORMS_DIR), str(FORMS_DIR)])
    assert "Aucune différence." in same.output


def test_the_html_comparison_is_side_by_side_and_escaped(proposed: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["forms", "diff", str(FORMS_DIR), str(proposed), "--format", "html"])
    assert result.exit_code == 0
    assert result.output.startswith("<!DOCTYPE html>") and 'lang="fr"' in result.output
    assert '<td class="diff-before">Nom</td><td class="diff-after">Nom de famille</td>' in result.output
    assert f"Avant (v{SHIPPED})" in result.output and f"Après (v{SHIPPED + 1})" in result.output
    assert "L&#39;enfant" in result.output  # text is escaped, never raw markup


def test_a_zipped_folder_compares_like_the_folder(proposed: Path, tmp_path: Path) -> None:
    zipped = Path(shutil.make_archive(str(tmp_path / "propose"), "zip", tmp_path, "propose"))
    folder = CliRunner().invoke(main, ["forms", "diff", str(FORMS_DIR), str(proposed)]).output
    assert CliRunner().invoke(main, ["forms", "diff", str(FORMS_DIR), str(zipped)]).output == folder


def _replace(content: bytes, name: str, data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for member in source.namelist():
            target.writestr(member, data if member == name else source.read(member))
        if name not in source.namelist():
            target.writestr(name, data)
    return buffer.getvalue()


def test_a_package_is_verified_before_anything_is_read(proposed: Path) -> None:
    content, published = build_package(proposed, network_material())
    trusted = network_material().certificate_pem
    files = verify_package("SET.zip", content, trusted)
    assert load_files("SET.zip", files).hashes() == published.hashes()
    altered = files[f"orientation/v{NEXT}.yaml"].replace(b"Nom de famille", b"Nom d'usage")
    cases = {
        "modifié après la signature": _replace(content, f"orientation/v{NEXT}.yaml", altered),
        "ajouté après la signature": _replace(content, "suivi/v99.yaml", b"form: suivi\n"),
        "signature invalide": _replace(content, "manifest.json", b'{"files": []}'),
        "pas le certificat de confiance": build_package(proposed, other_material())[0],
        "illisible": content[: len(content) // 2],
    }
    for reason, package in cases.items():
        with pytest.raises(PackageError) as refused:
            verify_package("SET.zip", package, trusted)
        assert "SET.zip" in str(refused.value) and reason in str(refused.value), reason


def test_install_keeps_every_published_version(proposed: Path, tmp_path: Path, session: Session) -> None:
    settings = SimpleNamespace(instance_path=tmp_path / "instance", extra={})
    settings.instance_path.mkdir()
    assert forms_directory(settings) == FORMS_DIR
    content, _published = build_package(proposed, network_material())
    files = verify_package("SET.zip", content, network_material().certificate_pem)
    new = load_files("SET.zip", files)
    target, _loaded = services.install(session, settings, files, new, None)
    assert forms_directory(settings) == target == settings.instance_path / "forms"
    installed = load_form_set(target)
    assert (installed.name, installed.version) == ("Documents harmonisés des PRE", SHIPPED + 1)
    assert installed.latest("orientation").version == NEXT  # new documents
    assert (
        installed.get("orientation", LATEST).sha256 == load_form_set(FORMS_DIR).get("orientation", LATEST).sha256
    )  # filled ones
    with pytest.raises(PackageError, match="déjà installée"):
        services.install(session, settings, files, new, None)


def test_a_set_dropping_a_published_version_is_refused(proposed: Path) -> None:
    shutil.rmtree(proposed / "suivi")
    (proposed / "set.yaml").write_text(
        (proposed / "set.yaml").read_text(encoding="utf-8").replace("  - suivi\n", ""), encoding="utf-8"
    )
    lock = proposed / "forms.lock"
    lock.write_text("".join(line for line in lock.read_text().splitlines(True) if "suivi/" not in line))
    problems = services.upgrade_problems(load_form_set(FORMS_DIR), load_form_set(proposed))
    assert problems == [
        f"la version publiée suivi/v{n}.yaml du jeu en usage manque : des documents peuvent l'utiliser." for n in (1, 2)
    ]


def test_forms_package_and_install_commands(
    proposed: Path, tmp_path: Path, fresh_instance: Callable[[str], Path], make_app: Callable[[Path], Flask]
) -> None:
    instance = fresh_instance("reseau-formulaires")
    key, certificate = tmp_path / "reseau.key", tmp_path / "reseau.pem"
    key.write_bytes(network_material().key_pem)
    certificate.write_bytes(network_material().certificate_pem)
    env = {"PARCOURS_INSTANCE": str(instance)}
    runner = CliRunner()
    package = tmp_path / "SET.zip"
    made = runner.invoke(
        main,
        [
            "forms",
            "package",
            str(proposed),
            "--output",
            str(package),
            "--key",
            str(key),
            "--certificate",
            str(certificate),
        ],
        env=env,
    )
    assert made.exit_code == 0, made.output
    with zipfile.ZipFile(package) as archive:
        archive.extract("manifest.json", tmp_path)
        archive.extract("manifest.json.sig", tmp_path)
    verified = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "manifest.json.sig"),
            "-content",
            str(tmp_path / "manifest.json"),
            "-CAfile",
            str(certificate),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    untrusted = tmp_path / "autre.pem"
    untrusted.write_bytes(other_material().certificate_pem)
    # In a subprocess, like a real run: the command's database connections end with it.
    refused = run(instance, "forms", "install", str(package), "--trust", str(untrusted))
    assert refused.returncode == 1 and "certificat de confiance" in refused.stderr
    installed = run(instance, "forms", "install", str(package), "--trust", str(certificate))
    assert installed.returncode == 0, installed.stderr
    assert "Libellé : « Nom » → « Nom de famille »" in installed.stdout
    assert f"v{SHIPPED + 1} installé" in installed.stdout
    app = make_app(instance)
    with app.app_context():
        assert form_set().version == SHIPPED + 1 and form_set().latest("orientation").version == NEXT
