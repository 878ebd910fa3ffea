"""Form engine: shipped definitions, every field type, show_if, repeatable groups, WTForms classes."""

from __future__ import annotations

import base64
import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app.formengine import FormSet, form_set, load_form_set
from app.formengine.definitions import COMMON_KEYS
from app.formengine.field_base import PNG_MAGIC
from app.formengine.fields import FIELD_TYPES, Invalid, field_type
from app.formengine.model import FieldDef, FormDef, SectionDef, ShowIf
from app.formengine.validation import extract, to_raw, validate
from app.formengine.wtf import build_form
from app.nomenclature import FORMS_DIR, nomenclature
from tests.documents_helpers import png_data_url

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PNG = png_data_url()  # a genuine image: a corrupt one is refused


def field(type_: str, **values: Any) -> FieldDef:
    return FieldDef(id=values.pop("id", "champ"), type=type_, label="Champ", **values)


def clean(f: FieldDef, raw: Any) -> Any:
    return field_type(f).clean(f, raw)


@pytest.fixture(scope="module")
def shipped() -> FormSet:
    return load_form_set(FORMS_DIR)


def test_the_shipped_set_loads_with_its_forms(shipped: FormSet) -> None:
    # 2: the `ajourne` decision and the EPS séance codes; 3: contract, avenant, attestation, progression
    assert shipped.name and shipped.version == 3
    assert set(shipped.form_ids) >= {"orientation", "suivi", "fin_prise_en_charge", "sortie_evaluation", "contrat"}
    for form_id in shipped.form_ids:
        form = shipped.latest(form_id)
        assert len(form.sha256) == 64
        assert shipped.get(form_id, 1).form_id == form_id  # earlier versions stay in the set
        assert len(form.fields()) <= 25, "teams reject forms with hundreds of boxes"
    orientation = shipped.latest("orientation")
    for dimension in ("sexe", "qpv", "rep", "niveau", "orienteur", "difficulte"):
        assert orientation.fields_with_dimension(dimension), dimension
    assert orientation.field_feeding("date_orientation") is not None
    # The fiche de suivi of version 1 listed the actions; from version 2 it is the journal (one entry each).
    assert shipped.get("suivi", 1).fields_with_dimension("action")
    journal = shipped.latest("suivi")
    assert journal.field_feeding("date_journal") and not [f for f in journal.fields() if f.type == "signature"]
    fin = shipped.latest("fin_prise_en_charge")
    assert fin.fields_with_dimension("motif_sortie") and fin.field_feeding("date_sortie")
    # The attestation takes the entry date from the parcours; the next step is coded once, on the exit sheet.
    assert fin.field_feeding("date_entree") is None and fin.field("suite") is None and "{date_entree}" in fin.statement
    assert shipped.latest("sortie_evaluation").fields_with_dimension("suite")
    contract = shipped.latest("contrat")
    assert contract.field_feeding("date_fin_prevue") and contract.field_feeding("date_revision_prevue")


def test_version_3_adds_codes_and_never_removes_one(shipped: FormSet) -> None:
    from app.nomenclature import load

    names = shipped.nomenclature
    assert names.version == 3
    assert names.cycle_of_niveau["TPS"] == "maternelle" and names.cycle_of_niveau["ULIS_ECOLE"] == "elementaire"
    assert names.cycle_of_niveau["UPE2A"] == "autre"
    assert {"prevention_specialisee", "centre_social", "pjj", "caf", "pre"} <= set(names.codes("orienteur"))
    assert "absenteisme_decrochage" in names.codes("difficulte") and "sans_objet" in names.codes("rep")
    assert names.codes("progression") == ["non_atteint", "en_partie", "atteint", "depasse"]
    assert [names.label("decision_eps", c) for c in ("accepte", "refuse", "reoriente", "ajourne", "en_attente")] == [
        "Admission",
        "Non-admission",
        "Réorientation",
        "Ajournement",
        "À examiner",
    ]
    assert load(FORMS_DIR / "nomenclature.yaml") == names
    # A child out of school is not asked for REP.
    rep = shipped.latest("orientation").field("rep")
    assert rep is not None and rep.show_if is not None and "NON_SCOLARISE" not in rep.show_if.values


def test_the_app_holds_the_shipped_set(app: Flask, shipped: FormSet) -> None:
    assert form_set().hashes() == shipped.hashes()


def test_each_definition_key_is_owned_by_a_registered_type() -> None:
    owned = frozenset().union(*(t.keys for t in FIELD_TYPES.values()))
    assert owned == {f.name for f in dataclasses.fields(FieldDef)} - COMMON_KEYS
    assert all(name == t.name for name, t in FIELD_TYPES.items())


def test_choices_of_a_dimension_come_from_the_nomenclature(shipped: FormSet) -> None:
    niveau = shipped.latest("orientation").field("niveau")
    assert niveau is not None and niveau.choice_codes() == tuple(nomenclature().codes("niveau"))
    assert niveau.choice_label("6E") == "Sixième"


def test_definitions_are_frozen(shipped: FormSet) -> None:
    form = shipped.latest("suivi")
    with pytest.raises(AttributeError):
        form.title = "autre"  # type: ignore[misc]


# --- field types: good and bad input -------------------------------------------------------


def test_text_is_trimmed_and_limited() -> None:
    f = field("text", max_length=5)
    assert clean(f, "  abc ") == "abc"
    assert clean(f, "   ") is None
    with pytest.raises(Invalid, match="trop long"):
        clean(f, "abcdef")


def test_dates_accept_iso_and_french_formats_only() -> None:
    f = field("date")
    assert clean(f, "2025-09-15") == "2025-09-15"
    assert clean(f, "15/09/2025") == "2025-09-15"
    assert clean(f, "") is None
    for bad in ("31/02/2025", "2025-13-01", "hier", "15-09-2025", "01/01/1800"):
        with pytest.raises(Invalid):
            clean(f, bad)


def test_numbers_accept_french_decimals_and_respect_bounds() -> None:
    f = field("number", min=0, max=10)
    assert clean(f, "4") == 4
    assert clean(f, "4,5") == 4.5
    for bad in ("11", "-1", "douze", "1e3", "nan", "inf", "4,5,6"):
        with pytest.raises(Invalid):
            clean(f, bad)
    with pytest.raises(Invalid, match="entier"):
        clean(field("number", integer=True), "2,5")


def test_single_and_multiple_choices_accept_only_their_codes() -> None:
    choices = (("a", "A"), ("b", "B"), ("c", "C"))
    single, multiple = field("single_choice", choices=choices), field("multiple_choice", choices=choices)
    assert clean(single, "b") == "b"
    assert clean(multiple, ["c", "a", "a"]) == ["a", "c"]
    assert clean(multiple, []) is None
    with pytest.raises(Invalid):
        clean(single, "z")
    with pytest.raises(Invalid):
        clean(multiple, ["a", "z"])


def test_yes_no() -> None:
    f = field("yes_no")
    assert (clean(f, "oui"), clean(f, "non"), clean(f, "")) == (True, False, None)
    with pytest.raises(Invalid):
        clean(f, "peut-être")


def test_signature_drawn_or_signed_on_paper() -> None:
    f = field("signature")
    drawn = clean(f, {"image": PNG, "signer": "Sophie Martin", "paper_date": ""})
    assert drawn["image"] == PNG and drawn["signer"] == "Sophie Martin"
    paper = clean(f, {"image": "", "signer": "", "paper_date": "2025-10-01"})
    assert paper["paper_date"] == "2025-10-01" and paper["image"] is None
    assert clean(f, {"image": "", "signer": "", "paper_date": ""}) is None
    future = (date.today() + timedelta(days=2)).isoformat()
    too_big = "data:image/png;base64," + base64.b64encode(PNG_MAGIC + b"\x00" * 210_000).decode()
    not_png = "data:image/png;base64," + base64.b64encode(b"GIF89a" + b"\x00" * 20).decode()
    for bad in (
        {"image": PNG, "signer": "", "paper_date": ""},  # no signer name
        {"image": "", "signer": "Sophie", "paper_date": ""},  # a name alone is no signature
        {"image": "data:image/jpeg;base64,AAAA", "signer": "S", "paper_date": ""},
        {"image": "data:image/png;base64,@@@", "signer": "S", "paper_date": ""},
        {"image": not_png, "signer": "S", "paper_date": ""},
        {"image": too_big, "signer": "S", "paper_date": ""},
        {"image": "", "signer": "", "paper_date": future},
    ):
        with pytest.raises(Invalid):
            clean(f, bad)


@PROPERTY
@given(st.text(max_size=600))
def test_text_never_crashes_and_never_exceeds_its_limit(value: str) -> None:
    f = field("text", max_length=300)
    try:
        cleaned = clean(f, value)
    except Invalid:
        return
    assert cleaned is None or (len(cleaned) <= 300 and "\x00" not in cleaned)


@PROPERTY
@given(st.text(max_size=30))
def test_any_text_is_a_valid_date_or_refused(value: str) -> None:
    try:
        cleaned = clean(field("date"), value)
    except Invalid:
        return
    assert cleaned is None or 1900 <= date.fromisoformat(cleaned).year <= 2100


@PROPERTY
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_real_date_is_accepted_in_both_formats(day: date) -> None:
    f = field("date")
    assert clean(f, day.isoformat()) == clean(f, day.strftime("%d/%m/%Y")) == day.isoformat()


@PROPERTY
@given(st.one_of(st.text(max_size=25), st.floats(allow_nan=True).map(str), st.integers().map(str)))
def test_any_text_is_a_bounded_number_or_refused(value: str) -> None:
    f = field("number", min=-5, max=1000)
    try:
        cleaned = clean(f, value)
    except Invalid:
        return
    assert cleaned is None or (isinstance(cleaned, int | float) and -5 <= cleaned <= 1000)


# --- show_if and repeatable groups ---------------------------------------------------------


def _form(*fields: FieldDef) -> FormDef:
    return FormDef("essai", 1, "Essai", "", (SectionDef("s", "Section", "", fields),))


CONDITIONAL = _form(
    field("yes_no", id="mesures", required=True),
    field("long_text", id="detail", required=True, show_if=ShowIf("mesures", (True,))),
    field("text", id="precision", show_if=ShowIf("detail", ("x",))),
)


def test_show_if_hides_and_drops_values_and_errors() -> None:
    outcome = validate(CONDITIONAL, {"mesures": "non", "detail": "secret", "precision": "x" * 999}, final=True)
    assert outcome.ok and outcome.answers == {"mesures": False}
    outcome = validate(CONDITIONAL, {"mesures": "oui", "detail": ""}, final=True)
    assert outcome.errors == {"detail": ["Ce champ est obligatoire."]}
    outcome = validate(CONDITIONAL, {"mesures": "oui", "detail": "aide aux devoirs"}, final=True)
    assert outcome.answers == {"mesures": True, "detail": "aide aux devoirs"}


def test_drafts_accept_missing_values_but_not_malformed_ones() -> None:
    form = _form(field("date", id="jour", required=True), field("text", id="nom", required=True))
    assert validate(form, {"jour": "", "nom": ""}, final=False).ok
    outcome = validate(form, {"jour": "32/01/2025", "nom": ""}, final=False)
    assert list(outcome.errors) == ["jour"]


GROUP = FieldDef(
    id="actions",
    type="group",
    label="Action",
    min_items=1,
    max_items=3,
    fields=(
        field("single_choice", id="type", required=True, choices=(("sport", "Sport"), ("autre", "Autre"))),
        field("text", id="precision", show_if=ShowIf("type", ("autre",))),
        field("date", id="debut"),
    ),
)


def test_repeatable_group_rows_are_read_cleaned_and_empty_rows_dropped() -> None:
    form = _form(GROUP)
    data = MultiDict(
        {
            "actions-0-type": "sport",
            "actions-0-precision": "dropped: hidden",
            "actions-1-type": "",
            "actions-1-debut": "",
            "actions-2-type": "autre",
            "actions-2-precision": "théâtre",
            "actions-2-debut": "01/10/2025",
        }
    )
    outcome = validate(form, extract(form, data), final=True)
    assert outcome.ok, outcome.errors
    assert outcome.answers["actions"] == [
        {"type": "sport"},
        {"type": "autre", "precision": "théâtre", "debut": "2025-10-01"},
    ]


def test_group_errors_name_the_row_and_counts_are_enforced() -> None:
    form = _form(GROUP)
    outcome = validate(form, {"actions": [{"type": "", "debut": "99/99/2025"}]}, final=True)
    assert "actions-0-debut" in outcome.errors and "actions-0-type" in outcome.errors
    assert "au moins 1 ligne" in validate(form, {"actions": []}, final=True).errors["actions"][0]
    rows = [{"type": "sport"}] * 4
    assert "3 lignes au plus" in validate(form, {"actions": rows}, final=False).errors["actions"][0]


def test_a_signature_being_entered_is_kept_in_a_draft_and_refused_at_finalisation(shipped: FormSet) -> None:
    form = shipped.latest("orientation")
    for partial in (
        {"image": "", "signer": "Sophie Martin", "paper_date": ""},
        {"image": PNG, "signer": "", "paper_date": ""},
    ):
        draft = validate(form, {"famille_accord": "oui", "signature_parent": partial}, final=False)
        assert "signature_parent" not in draft.errors  # the autosave goes on while the family signs
        assert draft.answers["signature_parent"]["signer"] == partial["signer"]
        final = validate(form, {"famille_accord": "oui", "signature_parent": partial}, final=True)
        assert "signature_parent" in final.errors


def test_answers_round_trip_through_the_form_representation(shipped: FormSet) -> None:
    form = shipped.latest("orientation")
    raw = {
        "nom": "Martin",
        "date_naissance": "14/03/2015",
        "difficultes": ["scolaire", "langage"],
        "famille_accord": "oui",
        "date_accord": "2025-09-01",
        "signature_parent": {"image": PNG, "signer": "Sophie Martin", "paper_date": ""},
        "responsables": [{"nom": "Martin", "prenom": "Sophie", "autorite_parentale": "oui"}],
    }
    first = validate(form, raw, final=False)
    assert first.ok, first.errors
    again = validate(form, to_raw(form, first.answers), final=False, previous=first.answers)
    assert again.answers == first.answers  # a signature not redrawn keeps its time


def test_wtforms_class_renders_every_field_with_group_names(app: Flask, shipped: FormSet) -> None:
    form = shipped.get("suivi", 1)
    with app.test_request_context():
        raw = to_raw(form, {"actions": [{"type": "parentalite"}, {"type": "autre"}]})
        wtform = build_form(form, raw, lock_version=3)
        html = str(wtform["actions"].entries[1].form["type"]())
        assert 'name="actions-1-type"' in html and "selected" in html
        assert wtform.lock_version.data == "3"
        assert 'name="signature_parent-image"' in str(wtform["signature_parent"].form["image"]())
        assert "csrf_token" in wtform._fields
