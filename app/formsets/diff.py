"""A readable comparison of two form sets, in French, for people who do not read YAML.

`compare(old, new)` lists what changed: the set's name and version, published versions, forms,
sections and fields added, removed or changed (label, type, required flag, choices, help,
nomenclature dimension), and the nomenclature's codes. Each form is compared through its latest
version in each set. `as_text` and `as_html` (side by side: before | after) render the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.formengine import FieldDef, FormDef, FormSet, SectionDef
from app.nomenclature import Nomenclature

ADDED, REMOVED, CHANGED = "ajout", "suppression", "modification"
KIND_LABELS = {ADDED: "Ajouté", REMOVED: "Supprimé", CHANGED: "Modifié"}
TYPE_LABELS = {
    "text": "texte court",
    "long_text": "texte long",
    "date": "date",
    "number": "nombre",
    "yes_no": "oui / non",
    "single_choice": "choix unique",
    "multiple_choice": "choix multiple",
    "group": "groupe répétable",
    "signature": "signature",
}


@dataclass(frozen=True)
class Change:
    kind: str  # ADDED, REMOVED or CHANGED
    where: str  # « Fiche d'orientation › L'enfant › Sexe »
    what: str  # which property: « Libellé », « Obligatoire »... or « » for the element itself
    before: str = ""
    after: str = ""


def _yes_no(value: bool) -> str:
    return "oui" if value else "non"


def _choices(field: FieldDef) -> str:
    return ", ".join(f"{label} ({code})" for code, label in field.choices)


def _field_summary(field: FieldDef) -> str:
    parts = [TYPE_LABELS.get(field.type, field.type), "obligatoire" if field.required else "facultatif"]
    if field.dimension:
        parts.append(f"nomenclature « {field.dimension} »")
    return f"{field.label} ({', '.join(parts)})"


def _field_changes(where: str, old: FieldDef, new: FieldDef) -> Iterable[Change]:
    if old.label != new.label:
        yield Change(CHANGED, where, "Libellé", old.label, new.label)
    if old.type != new.type:
        yield Change(CHANGED, where, "Type", TYPE_LABELS.get(old.type, old.type), TYPE_LABELS.get(new.type, new.type))
    if old.required != new.required:
        yield Change(CHANGED, where, "Obligatoire", _yes_no(old.required), _yes_no(new.required))
    if old.dimension != new.dimension:
        yield Change(CHANGED, where, "Nomenclature", old.dimension or "—", new.dimension or "—")
    if old.help != new.help:
        yield Change(CHANGED, where, "Aide", old.help or "—", new.help or "—")
    if old.choices != new.choices:
        yield Change(CHANGED, where, "Choix proposés", _choices(old) or "—", _choices(new) or "—")
    yield from _fields(where, old.fields, new.fields)


def _fields(where: str, old: Sequence[FieldDef], new: Sequence[FieldDef]) -> Iterable[Change]:
    before = {f.id: f for f in old}
    after = {f.id: f for f in new}
    for field in old:
        if field.id not in after:
            yield Change(REMOVED, f"{where} › {field.label}", "Champ", _field_summary(field), "")
    for field in new:
        if field.id not in before:
            yield Change(ADDED, f"{where} › {field.label}", "Champ", "", _field_summary(field))
        else:
            yield from _field_changes(f"{where} › {field.label}", before[field.id], field)


def _sections(where: str, old: Sequence[SectionDef], new: Sequence[SectionDef]) -> Iterable[Change]:
    before = {s.id: s for s in old}
    after = {s.id: s for s in new}
    for section in old:
        if section.id not in after:
            fields = ", ".join(f.label for f in section.fields)
            yield Change(REMOVED, f"{where} › {section.title}", "Section", f"{section.title} : {fields}", "")
    for section in new:
        if section.id not in before:
            fields = ", ".join(f.label for f in section.fields)
            yield Change(ADDED, f"{where} › {section.title}", "Section", "", f"{section.title} : {fields}")
            continue
        previous = before[section.id]
        if previous.title != section.title:
            yield Change(CHANGED, f"{where} › {section.title}", "Titre de section", previous.title, section.title)
        yield from _fields(f"{where} › {section.title}", previous.fields, section.fields)


def _forms(old: FormSet, new: FormSet) -> Iterable[Change]:
    old_ids, new_ids = list(old.form_ids), list(new.form_ids)
    for form_id in old_ids:
        if form_id not in new_ids:
            form = old.latest(form_id)
            yield Change(REMOVED, form.title, "Formulaire", f"{form.title} (v{form.version})", "")
    for form_id in new_ids:
        form = new.latest(form_id)
        if form_id not in old_ids:
            sections = ", ".join(s.title for s in form.sections)
            yield Change(ADDED, form.title, "Formulaire", "", f"{form.title} (v{form.version}) : {sections}")
            continue
        yield from _form(old.latest(form_id), form)


def _form(old: FormDef, new: FormDef) -> Iterable[Change]:
    if old.version != new.version:
        yield Change(CHANGED, new.title, "Version en usage", f"v{old.version}", f"v{new.version}")
    if old.title != new.title:
        yield Change(CHANGED, new.title, "Titre", old.title, new.title)
    if old.description != new.description:
        yield Change(CHANGED, new.title, "Présentation", old.description, new.description)
    yield from _sections(new.title, old.sections, new.sections)


def _nomenclature(old: Nomenclature, new: Nomenclature) -> Iterable[Change]:
    if old.version != new.version:
        yield Change(CHANGED, "Nomenclature", "Version", str(old.version), str(new.version))
    for name, dimension in old.dimensions.items():
        if name not in new.dimensions:
            yield Change(REMOVED, f"Nomenclature › {dimension.label}", "Liste de codes", ", ".join(dimension.codes), "")
    for name, dimension in new.dimensions.items():
        where = f"Nomenclature › {dimension.label} ({name})"
        if name not in old.dimensions:
            yield Change(ADDED, where, "Liste de codes", "", ", ".join(dimension.codes))
            continue
        before = old.dimensions[name].codes
        for code, label in before.items():
            if code not in dimension.codes:
                yield Change(REMOVED, where, f"Code {code}", label, "")
        for code, label in dimension.codes.items():
            if code not in before:
                yield Change(ADDED, where, f"Code {code}", "", label)
            elif before[code] != label:
                yield Change(CHANGED, where, f"Libellé du code {code}", before[code], label)


def _published(old: FormSet, new: FormSet) -> Iterable[Change]:
    old_hashes, new_hashes = old.hashes(), new.hashes()
    for path, digest in old_hashes.items():
        if path not in new_hashes:
            yield Change(REMOVED, "Versions publiées", path, f"sha256 {digest[:12]}", "")
        elif new_hashes[path] != digest:
            yield Change(CHANGED, "Versions publiées", path, f"sha256 {digest[:12]}", f"sha256 {new_hashes[path][:12]}")
    for path, digest in new_hashes.items():
        if path not in old_hashes:
            yield Change(ADDED, "Versions publiées", path, "", f"sha256 {digest[:12]}")


def compare(old: FormSet, new: FormSet) -> list[Change]:
    """Every difference between `old` and `new`, the set first, then forms, then the nomenclature."""
    changes: list[Change] = []
    if old.name != new.name:
        changes.append(Change(CHANGED, "Jeu de formulaires", "Nom", old.name, new.name))
    if old.version != new.version:
        changes.append(Change(CHANGED, "Jeu de formulaires", "Version", str(old.version), str(new.version)))
    changes += _published(old, new)
    changes += _forms(old, new)
    changes += _nomenclature(old.nomenclature, new.nomenclature)
    return changes


def _title(old: FormSet, new: FormSet) -> str:
    return f"Comparaison : « {old.name} » v{old.version} → « {new.name} » v{new.version}"


def as_text(old: FormSet, new: FormSet, changes: Sequence[Change]) -> str:
    lines = [_title(old, new), ""]
    if not changes:
        lines.append("Aucune différence.")
    marks = {ADDED: "+", REMOVED: "-", CHANGED: "~"}
    for change in changes:
        detail = change.what
        if change.kind == CHANGED:
            detail += f" : « {change.before} » → « {change.after} »"
        elif change.kind == ADDED:
            detail += f" : {change.after}"
        else:
            detail += f" : {change.before}"
        lines.append(f"{marks[change.kind]} {change.where} — {detail}")
    lines.append("")
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in marks}
    lines.append(f"{counts[ADDED]} ajout(s), {counts[REMOVED]} suppression(s), {counts[CHANGED]} modification(s).")
    return "\n".join(lines) + "\n"


def as_html_table(old: FormSet, new: FormSet, changes: Sequence[Change]) -> Markup:
    """The comparison as an HTML table, side by side (for a page or a standalone file)."""
    if not changes:
        return Markup("<p>Aucune différence entre les deux jeux de formulaires.</p>")
    rows = []
    for change in changes:
        rows.append(
            Markup(
                '<tr class="diff-{kind}"><td>{label}</td><th scope="row">{where}</th><td>{what}</td>'
                '<td class="diff-before">{before}</td><td class="diff-after">{after}</td></tr>'
            ).format(
                kind=change.kind,
                label=KIND_LABELS[change.kind],
                where=change.where,
                what=change.what,
                before=change.before,
                after=change.after,
            )
        )
    header = Markup(
        '<table class="figures form-diff"><caption>{caption}</caption><thead><tr><th scope="col">Changement</th>'
        '<th scope="col">Élément</th><th scope="col">Propriété</th><th scope="col">Avant (v{old})</th>'
        '<th scope="col">Après (v{new})</th></tr></thead><tbody>'
    ).format(caption=_title(old, new), old=old.version, new=new.version)
    return header + Markup("").join(rows) + Markup("</tbody></table>")


def as_html(old: FormSet, new: FormSet, changes: Sequence[Change]) -> str:
    """A standalone French HTML page of the comparison."""
    style = (
        "body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #c9cbd6;padding:.3rem .5rem;text-align:left;vertical-align:top}"
        ".diff-ajout .diff-after{background:#e6f4ea}.diff-suppression .diff-before{background:#fce8e6}"
        ".diff-modification .diff-before{background:#fce8e6}.diff-modification .diff-after{background:#e6f4ea}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(_title(old, new))}</title><style>{style}</style></head><body>"
        f"<h1>{escape(_title(old, new))}</h1>{as_html_table(old, new, changes)}</body></html>\n"
    )
