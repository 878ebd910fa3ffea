"""SECURITY.md 23: an orientation never hands a référent another caseload's or an unassigned child.

Two référents, a child without référent, a child of the other référent: the same answer as for a
new child, no access gained, nothing written into the other file, and only the coordinator
assigns a référent (audited `child.referent.assign`).
"""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.audit.models import AuditEvent
from app.children.models import Child
from app.children.services import read_identity
from tests import documents_helpers as data
from tests.conftest import csrf_token
from tests.factories import World, make_child, make_parcours

NEW = "/enfants/nouvelle-orientation"


def _orient(client: FlaskClient, **identity: str) -> tuple[int, str, str]:
    """Post an orientation; (status, where it leads with its ids blanked, the page shown there)."""
    token = csrf_token(client, NEW)
    raw = data.orientation(**identity)
    response = client.post(NEW, data=MultiDict([*data.as_formdata(raw), ("csrf_token", token)]))
    location = response.headers.get("Location", "")
    page = client.get(location).get_data(as_text=True) if location else ""
    shown = re.sub(r"(?<![\w-])[\w-]{16}(?![\w-])", "ID", page)  # public ids
    shown = re.sub(r"E-[A-Z2-9]{4}", "E-XXXX", shown)
    shown = re.sub(r'name="csrf_token"[^>]*>', "", shown)
    shown = re.sub(r"data-saved-at=\"\d+\"", "", shown)
    return response.status_code, re.sub(r"/enfants/[^/]+/documents/[^/]+$", "/enfants/X/documents/Y", location), shown


def _identity(child: Child) -> dict[str, str]:
    identity = read_identity(child)
    return {"nom": identity.nom, "prenom": identity.prenom, "date_naissance": identity.date_naissance.isoformat()}


def _assign_events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == "child.referent.assign")))


def test_an_orientation_never_takes_over_or_reveals_another_child(
    world: World,
    login_as,  # type: ignore[no-untyped-def]
    session: Session,
) -> None:
    unassigned = make_child(session, world.programme, None, nom="Mchangama", prenom="Ali")
    make_parcours(session, unassigned)
    session.commit()
    other_before = read_identity(world.other_child)
    client = login_as(world.referent)

    answers = [
        _orient(client, **_identity(unassigned), adresse="1 rue Un"),
        _orient(client, **_identity(world.other_child), adresse="1 rue Un"),
        _orient(client, nom="Oumouri", prenom="Zaina", date_naissance="2016-01-01", adresse="1 rue Un"),
    ]
    # Same status, same kind of address, same page (apart from the names typed) in the three cases.
    assert {status for status, _loc, _page in answers} == {302}
    assert len({location for _status, location, _page in answers}) == 1
    pages = [
        page.replace(n, "N").replace(p, "P")
        for (_s, _l, page), (n, p) in zip(
            answers, [("Mchangama", "Ali"), (other_before.nom, other_before.prenom), ("Oumouri", "Zaina")], strict=True
        )
    ]
    pages = [re.sub(r'value="\d{4}-\d{2}-\d{2}"', "", page) for page in pages]
    assert pages[0] == pages[1] == pages[2]

    session.expire_all()
    # No access gained: the unassigned child stays unassigned and out of reach, so does the other's.
    assert session.get(Child, unassigned.id).referent_id is None
    assert client.get(f"/enfants/{unassigned.public_id}").status_code == 404
    assert client.get(f"/enfants/{world.other_child.public_id}").status_code == 404
    assert len(session.get(Child, unassigned.id).parcours) == 1
    assert len(session.get(Child, world.other_child.id).parcours) == 1

    # Finalising the draft typed for the other référent's child changes nothing of that child.
    mine = session.scalars(select(Child).where(Child.referent_id == world.referent.id, Child.id != world.child.id))
    new_children = list(mine)
    assert len(new_children) == 3
    assert read_identity(world.other_child) == other_before
    assert _assign_events(session) == []

    # The coordinator sees the possible duplicates and is the only one who assigns a référent.
    coordinator = login_as(world.coordinateur)
    flagged = [c for c in new_children if c.possible_duplicate_of in (unassigned.id, world.other_child.id)]
    assert len(flagged) == 2
    page = coordinator.get(f"/enfants/{flagged[0].public_id}").get_data(as_text=True)
    assert "Doublon possible" in page
    referent_page = client.get(f"/enfants/{flagged[0].public_id}").get_data(as_text=True)
    assert "Doublon possible" not in referent_page and "doublon" not in client.get("/enfants/").get_data(as_text=True)

    token = csrf_token(client, "/enfants/")
    refused = client.post(
        f"/eps/enfants/{unassigned.public_id}/referent", data={"csrf_token": token, "referent_id": world.referent.id}
    )
    assert refused.status_code == 404
    token = csrf_token(coordinator, "/enfants/")
    done = coordinator.post(
        f"/eps/enfants/{unassigned.public_id}/referent", data={"csrf_token": token, "referent_id": world.referent.id}
    )
    assert done.status_code == 302
    [event] = _assign_events(session)
    assert event.actor_id == world.coordinateur.id and event.target_id == unassigned.public_id
    assert client.get(f"/enfants/{unassigned.public_id}").status_code == 200

    coordinator.post(f"/eps/enfants/{flagged[0].public_id}/doublon", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Child, flagged[0].id).possible_duplicate_of is None


def test_a_referent_reorienting_their_own_child_adds_a_parcours_to_it(
    world: World,
    login_as,  # type: ignore[no-untyped-def]
    session: Session,
) -> None:
    client = login_as(world.referent)
    status, _location, _page = _orient(client, **_identity(world.child))
    assert status == 302
    session.expire_all()
    assert len(session.get(Child, world.child.id).parcours) == 2
    assert session.scalars(select(Child).where(Child.possible_duplicate_of.is_not(None))).first() is None
