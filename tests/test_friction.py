"""Issue 16, a day without friction: what a new user tripped over, checked without a browser
(the browser side is in tests/e2e/test_friction.py)."""

from __future__ import annotations

import ast
import html
import re
from datetime import datetime
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.admin.audit_labels import LABELS, action_label, object_label
from app.audit import services as audit
from app.audit.models import AuditEvent
from app.documents import queries, services
from app.documents.models import FINAL, Document
from app.documents.views import pdf_name
from app.i18n import ngettext, of, plural
from app.users.services import UserError, set_programme_timezone
from tests import documents_helpers as data
from tests.conftest import csrf_token
from tests.factories import World, make_child, make_document, make_parcours


def _url(document: Document, action: str = "") -> str:
    base = f"/enfants/{document.child.public_id}/documents/{document.public_id}"
    return f"{base}/{action}" if action else base


def _finalise(client: FlaskClient, document: Document, token: str) -> tuple[int, str]:
    form = MultiDict([*data.as_formdata(data.orientation()), ("csrf_token", token), ("lock_version", "1")])
    response = client.post(_url(document, "finaliser"), data=form)
    follow = client.get(response.headers["Location"]).get_data(as_text=True) if response.status_code == 303 else ""
    return response.status_code, html.unescape(follow)


def test_a_repeated_finalisation_answers_the_same_success(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    document = services.start_orientation(session, world.referent, data.orientation())
    session.commit()
    client = login_as(world.referent)
    token = csrf_token(client, _url(document))
    first, first_page = _finalise(client, document, token)
    second, second_page = _finalise(client, document, token)  # the double click
    assert first == second == 303
    for page in (first_page, second_page):
        assert "Document finalisé : il est verrouillé" in page and "ne peut plus être modifié" not in page
    session.expire_all()
    assert document.status == FINAL
    finalisations = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "document.finalise", AuditEvent.target_id == document.public_id)
    ).all()
    assert len(finalisations) == 1, "the second post changed nothing"
    other = login_as(world.coordinateur)
    _status, page = _finalise(other, document, csrf_token(other, _url(document)))
    assert "ne peut plus être modifié" in page, "someone else's late finalisation is still told the truth"


def test_document_pages_name_the_child_and_pdfs_the_document_version(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    document = services.start_orientation(session, world.referent, data.orientation())
    session.commit()
    client = login_as(world.referent)
    token = csrf_token(client, _url(document))
    _finalise(client, document, token)
    session.expire_all()
    correction = services.correct(session, world.referent, document)
    session.commit()
    answers = data.orientation()
    page = html.unescape(client.get(_url(correction)).get_data(as_text=True))
    assert f"Enfant : {answers['prenom']} {answers['nom']}" in page and "Version 2 du document" in page
    assert queries.version_number(session, correction) == 2
    name = pdf_name(correction, 2)
    assert name == f"{document.child.pseudonym}-orientation-v2-{correction.public_id}.pdf"
    pdf = client.get(_url(document, "pdf"))
    assert f"{document.child.pseudonym}-orientation-v1-{document.public_id}.pdf" in pdf.headers["Content-Disposition"]


def test_an_explicit_save_after_the_session_ended_keeps_the_typing_and_returns_to_the_document(
    world: World,
    app,
    session: Session,  # type: ignore[no-untyped-def]
) -> None:
    document = services.start_orientation(session, world.referent, data.orientation())
    session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()  # logged out: the session is gone
    response = client.post(_url(document, "enregistrer"), data={"csrf_token": "from-the-old-session", "nom": "X"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Session expirée : votre saisie n'est pas perdue" in page and "gardé, chiffré, sur cet appareil" in page
    assert "Requête invalide" not in page
    login_link = re.search(r'href="(/connexion\?next=[^"]+)"', page)
    assert login_link and "documents" in login_link.group(1)


def test_french_plurals_and_elision() -> None:
    assert plural(0, "enfant", "enfants") == "0 enfant"
    assert plural(1, "enfant", "enfants") == "1 enfant"
    assert plural(3, "enfant", "enfants") == "3 enfants"
    assert ngettext("%(num)d orientation", "%(num)d orientations", 0) % {"num": 0} == "0 orientation"
    assert f"nombre {of('orientations')}" == "nombre d'orientations"
    assert f"nombre {of('enfants')}" == "nombre d'enfants"
    assert f"nombre {of('parcours')}" == "nombre de parcours"


def test_the_audit_log_speaks_french_and_refuses_a_reversed_range(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    assert action_label("parcours.eps_facts.share") == "Faits observés partagés avec l'EPS"
    assert action_label("parcours.decision:accepte").startswith("Décision EPS enregistrée : ")
    assert object_label("parcours") == "Parcours" and object_label("children") == "Dossier d'enfant"
    assert all(not re.fullmatch(r"[a-z_.:]+", label) for label in LABELS.values())
    audit.record(
        session,
        "parcours.eps_facts.share",
        actor_id=world.coordinateur.id,
        programme_id=world.programme.id,
        target_type="parcours",
        target_id="p1",
    )
    session.commit()
    admin = login_as(world.admin)
    page = html.unescape(admin.get("/admin/journal/").get_data(as_text=True))
    assert "Faits observés partagés avec l'EPS" in page and "parcours.eps_facts.share" not in page
    assert "Parcours p1" in page
    reversed_range = admin.get("/admin/journal/?du=2026-03-10&au=2026-03-01")
    text = html.unescape(reversed_range.get_data(as_text=True))
    assert reversed_range.status_code == 422
    assert "La date « Du » est après la date « Au »" in text and 'aria-invalid="true"' in text


def test_times_are_read_in_the_programme_time_zone(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    set_programme_timezone(session, world.programme, "Indian/Mayotte")
    event = audit.record(session, "child.list", actor_id=world.admin.id, programme_id=world.programme.id)
    event_id = event.id
    session.commit()
    stored = session.get(AuditEvent, event_id)
    assert stored is not None
    page = html.unescape(login_as(world.admin).get("/admin/journal/").get_data(as_text=True))
    assert "Les heures sont celles du programme (Indian/Mayotte)" in page
    from datetime import UTC
    from zoneinfo import ZoneInfo

    shown = stored.at.replace(tzinfo=UTC).astimezone(ZoneInfo("Indian/Mayotte")).strftime("%d/%m/%Y %H:%M:%S")
    assert shown in page
    try:
        set_programme_timezone(session, world.programme, "Mars/Olympus")
    except UserError as error:
        assert "Fuseau horaire inconnu" in str(error)
    else:
        raise AssertionError("an unknown zone is refused")
    assert isinstance(stored.at, datetime)


def test_the_favicon_is_a_real_icon(client: FlaskClient) -> None:
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"
    assert 'rel="icon"' in client.get("/connexion").get_data(as_text=True)


def test_a_duplicate_e_mail_is_said_under_the_e_mail_field(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    admin = login_as(world.admin)
    token = csrf_token(admin, "/admin/utilisateurs/")
    form = {"csrf_token": token, "name": "Double", "email": world.referent.email, "role": "eps"}
    page = html.unescape(admin.post("/admin/utilisateurs/", data=form).get_data(as_text=True))
    error = re.search(r'id="email-error"[^>]*>(.*?)</', page, re.S)
    assert error and "Un compte existe déjà" in error.group(1)


def test_an_orientation_of_a_known_child_says_so_and_shows_the_differences(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.coordinateur)
    token = csrf_token(client, "/enfants/nouvelle-orientation")
    raw = data.orientation(nom="Ahamada", prenom="Fatima", date_naissance="2015-03-14", sexe="M", ref_famille="")
    raw["adresse"] = "3 rue des Écoles, 97600 Mamoudzou"
    form = MultiDict([*data.as_formdata(raw), ("csrf_token", token)])
    response = client.post("/enfants/nouvelle-orientation", data=form)
    assert response.status_code == 302
    assert f"/enfants/{world.child.public_id}/documents/" in response.headers["Location"]
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"Dossier existant retrouvé : cette orientation est ajoutée au dossier de {world.child.pseudonym}" in page
    table = page.split('id="dossier-existant"')[1].split("</table>")[0]
    assert re.search(r"Sexe</th><td>Fille</td><td>Garçon</td>", table), table
    assert "Adresse" not in table and "Nom" not in table, "only what differs"


def test_the_admin_sets_the_programme_time_zone(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    admin = login_as(world.admin)
    page = admin.get("/admin/utilisateurs/").get_data(as_text=True)
    assert "Fuseau horaire du programme" in page and 'value="Indian/Mayotte"' in page
    token = csrf_token(admin, "/admin/utilisateurs/")
    response = admin.post(
        "/admin/utilisateurs/fuseau-horaire", data={"csrf_token": token, "timezone": "Indian/Reunion"}
    )
    assert response.status_code == 302
    assert "Fuseau horaire enregistré : Indian/Reunion." in html.unescape(
        admin.get("/admin/utilisateurs/").get_data(as_text=True)
    )
    session.expire_all()
    assert world.programme.timezone == "Indian/Reunion"
    admin.post("/admin/utilisateurs/fuseau-horaire", data={"csrf_token": token, "timezone": "Lune/Tranquillité"})
    assert "Fuseau horaire inconnu" in html.unescape(admin.get("/admin/utilisateurs/").get_data(as_text=True))
    session.expire_all()
    assert world.programme.timezone == "Indian/Reunion"


def _upload(client: FlaskClient, content: bytes) -> str:
    import io

    response = client.post(
        "/import",
        data={"csrf_token": csrf_token(client, "/import"), "file": (io.BytesIO(content), "excel.csv"), "preview": "1"},
        content_type="multipart/form-data",
    )
    return html.unescape(response.get_data(as_text=True))


def test_an_excel_csv_is_read_with_a_warning_sample_rows_and_a_template(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    coordinator = login_as(world.coordinateur)
    page = html.unescape(coordinator.get("/import").get_data(as_text=True))
    template_url = re.search(r'href="([^"]*modele-import\.csv)"', page)
    assert template_url and "CSV UTF-8" in page
    with coordinator.get(template_url.group(1)) as response:
        template = response.data
    assert template.startswith(b"\xef\xbb\xbf") and b"ref_enfant;nom;prenom" in template
    excel = template.decode("utf-8-sig").replace("Camille", "Anaïs").encode("cp1252")
    preview = _upload(coordinator, excel)
    assert "Vérification réussie" in preview and "Fichier lu en Windows-1252" in preview
    samples = preview.split("Premières lignes")[1].split("</table>")[0]
    assert "Anaïs" in samples and "École" not in samples and "14/05/2015" in samples
    refused = _upload(coordinator, template + b"\x81\x8d")
    assert "ni en UTF-8 ni en Windows-1252" in refused and "CSV UTF-8 (délimité par des virgules)" in refused


def test_an_empty_year_is_not_archived(world: World, login_as, app) -> None:  # type: ignore[no-untyped-def]
    coordinator = login_as(world.coordinateur)
    response = coordinator.post("/archives", data={"csrf_token": csrf_token(coordinator, "/archives"), "year": 2019})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "Aucun document pour 2019" in page and "Terminé" not in page


def test_every_audited_action_has_a_french_name() -> None:
    """Each action the code records (a literal passed to the audit) is named in the admin's journal."""
    recorders = {"record", "record_for", "record_many", "event_row", "event_for", "_audit"}
    actions = set()
    for path in Path("app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            candidates = [k.value for k in node.keywords if k.arg == "audit_read"]
            if name in recorders:
                candidates += node.args[:2]
            if name == "read_identities":
                candidates += node.args[3:4]
            for value in candidates:
                if isinstance(value, ast.IfExp):
                    candidates += [value.body, value.orelse]
                elif isinstance(value, ast.JoinedStr) and isinstance(value.values[0], ast.Constant):
                    actions.add(str(value.values[0].value).rstrip(":"))
                elif isinstance(value, ast.Constant) and isinstance(value.value, str) and "." in value.value:
                    actions.add(value.value)
    assert {"collective.session.create", "parcours.closure", "child.read"} <= actions  # the scan works
    unnamed = sorted(action for action in actions if action_label(action).endswith(f"({action})"))
    assert unnamed == [], f"actions shown without a French name in the journal: {unnamed}"


def test_an_old_document_names_its_form_version_not_the_set(world: World, login_as, session: Session) -> None:  # type: ignore[no-untyped-def]
    child = make_child(session, world.programme, world.referent)
    document = make_document(session, make_parcours(session, child), answers=data.orientation())
    session.commit()
    page = html.unescape(login_as(world.referent).get(_url(document)).get_data(as_text=True))
    assert "formulaire en version 1" in page
    assert "jeu version" not in page  # version 1 of the orientation was published before the installed set
    new = html.unescape(login_as(world.referent).get("/enfants/nouvelle-orientation").get_data(as_text=True))
    assert "jeu version 3" in new
