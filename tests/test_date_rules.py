"""One set of date rules (app.dates) for the forms and the import: built in for the dates the
indicators read, attachable to any date field of a new form version (`not_future`, `birth_date`,
`after`)."""

from __future__ import annotations

from datetime import date, timedelta

from app.formengine import load_form_set
from app.formengine.definitions import parse_form
from app.formengine.validation import validate
from app.nomenclature import FORMS_DIR, nomenclature

NEXT_YEAR = (date.today() + timedelta(days=366)).isoformat()


def _definition(fields: list[dict[str, object]]) -> dict[str, object]:
    return {"form": "essai", "version": 1, "title": "Essai", "sections": [{"id": "s", "title": "S", "fields": fields}]}


def test_a_new_form_version_attaches_the_rules_to_its_own_date_fields() -> None:
    data = _definition(
        [
            {"id": "ouverture", "type": "date", "label": "Ouverture", "not_future": True},
            {
                "id": "seances",
                "type": "group",
                "label": "Séance",
                "fields": [
                    {"id": "du", "type": "date", "label": "Du"},
                    {"id": "au", "type": "date", "label": "Au", "after": "du"},
                ],
            },
        ]
    )
    form, errors = parse_form(data, "essai/v1.yaml", nomenclature())
    assert errors == [] and form is not None
    answers = {"ouverture": NEXT_YEAR, "seances": [{"du": "2025-03-10", "au": "2025-03-01"}]}
    outcome = validate(form, answers, final=True)
    assert outcome.errors["ouverture"][0].startswith("Ouverture : le ")
    assert "dans le futur" in outcome.errors["ouverture"][0]
    assert outcome.errors["seances-0-au"] == [
        "Au : le 01/03/2025 est avant « Du » (10/03/2025) ; corrigez l'une des deux."
    ]
    assert validate(form, answers, final=False).ok, "a draft keeps what was typed"


def test_a_rule_naming_an_unknown_field_is_a_definition_error() -> None:
    data = _definition([{"id": "fin", "type": "date", "label": "Fin", "after": "debut", "not_future": "oui"}])
    form, errors = parse_form(data, "essai/v1.yaml", nomenclature())
    assert form is None
    reasons = " ".join(e.reason for e in errors)
    assert "`after` must name another date field" in reasons and "`not_future` must be true or false" in reasons


def test_the_published_forms_refuse_impossible_dates_at_finalisation() -> None:
    forms = load_form_set(FORMS_DIR)
    orientation = forms.get("orientation", 1)
    outcome = validate(orientation, {"date_naissance": "2030-05-01", "date_orientation": NEXT_YEAR}, final=True)
    assert "Date de naissance : le 01/05/2030 est dans le futur" in outcome.errors["date_naissance"][0]
    assert "dans le futur" in outcome.errors["date_orientation"][0]
    suivi = forms.get("suivi", 1)
    rows = {"actions": [{"type": "accompagnement_scolaire", "debut": "2025-10-01", "fin": "2025-09-01"}]}
    rows["rencontres"] = [{"date": NEXT_YEAR}]
    outcome = validate(suivi, rows, final=True)
    assert "est avant « Début »" in outcome.errors["actions-0-fin"][0]
    assert "dans le futur" in outcome.errors["rencontres-0-date"][0]
    fin = forms.get("fin_prise_en_charge", 1)
    outcome = validate(fin, {"date_entree": "2025-10-01", "date_sortie": NEXT_YEAR}, final=True)
    assert "Date de sortie : le " in outcome.errors["date_sortie"][0]


def test_the_import_applies_the_same_rules_as_the_forms() -> None:
    from app.imports.parser import parse
    from app.imports.rows import COLUMNS

    today = date(2026, 11, 25)
    values = {c: "" for c in COLUMNS} | {
        "ref_enfant": "R1",
        "nom": "Martin",
        "prenom": "Léa",
        "sexe": "F",
        "orienteur": "education_nationale",
    }
    lines = [
        values | {"date_naissance": "2030-01-01", "date_orientation": "2026-01-10"},
        values | {"ref_enfant": "R2", "date_naissance": "1990-01-01", "date_orientation": "2026-01-10"},
        values | {"ref_enfant": "R3", "date_naissance": "2015-01-01", "date_orientation": "2027-03-01"},
    ]
    text = "\n".join([";".join(COLUMNS), *(";".join(v[c] for c in COLUMNS) for v in lines)])
    issues = [str(i) for i in parse(text.encode("utf-8"), today).issues]
    assert (
        "line 2, column date_naissance: date_naissance : le 01/01/2030 est dans le futur ; "
        "indiquez une date passée ou aujourd'hui." in issues
    )
    assert any(i.startswith("line 3, column date_naissance:") and "plus de 25 ans" in i for i in issues)
    assert any(i.startswith("line 4, column date_orientation:") and "dans le futur" in i for i in issues)
