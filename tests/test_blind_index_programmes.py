"""SECURITY.md 33: a blind index per programme, names cleaned of invisibles, no names shared with the EPS."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.children.models import Child, ChildSearchIndex
from app.children.services import forget_blind_indexes, read_identity, search
from app.crypto import normalise
from app.documents import services as documents
from app.maintenance.reindex import reindex
from app.users.models import Programme
from tests import documents_helpers as data
from tests.conftest import csrf_token
from tests.factories import World, make_child, make_document, make_parcours

INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e"]


def _digests(session: Session, child: Child) -> set[str]:
    return set(session.scalars(select(ChildSearchIndex.digest).where(ChildSearchIndex.child_id == child.id)))


def test_the_same_child_in_two_programmes_has_different_index_values(world: World, session: Session) -> None:
    same = {"nom": "Soilihi", "prenom": "Nadia", "ref_enfant": "R-77", "ref_famille": "F-77"}
    here = make_child(session, world.programme, world.referent, **same)
    there = make_child(session, world.foreign_programme, None, **same)
    assert _digests(session, here) and not _digests(session, here) & _digests(session, there)
    assert here.ref_digest != there.ref_digest and here.famille_digest != there.famille_digest
    assert search(session, world.referent, "nadia soilihi") == [here]
    assert search(session, world.foreign_coordinateur, "nadia soilihi") == [there]


def test_reindex_moves_a_programme_from_the_shared_key_to_its_own(world: World, session: Session) -> None:
    programme = session.get(Programme, world.programme.id)
    assert programme is not None
    programme.blind_index_version = 0  # as migration 0008 leaves programmes indexed before it
    session.flush()
    forget_blind_indexes()
    child = make_child(session, world.programme, world.referent, nom="Madi", prenom="Anli", ref_enfant="R-88")
    session.commit()
    shared_key_digests, shared_ref = _digests(session, child), child.ref_digest

    assert reindex(session) == {world.programme.code: 3}  # the world's two children and this one
    session.expire_all()
    forget_blind_indexes()
    assert session.get(Programme, world.programme.id).blind_index_version == 1  # type: ignore[union-attr]
    child = session.get(Child, child.id)  # type: ignore[assignment]
    assert not _digests(session, child) & shared_key_digests and child.ref_digest != shared_ref
    assert search(session, world.referent, "anli madi") == [child]
    assert read_identity(child).nom == "Madi"


@given(
    name=st.text(alphabet="abcdéèçïÉ -'", min_size=1, max_size=20),
    where=st.integers(0, 20),
    extra=st.sampled_from(INVISIBLES),
)
def test_an_invisible_character_never_changes_the_normalised_name(name: str, where: int, extra: str) -> None:
    assert normalise(name[:where] + extra + name[where:]) == normalise(name)


def test_a_zero_width_space_does_not_make_an_unsearchable_duplicate(world: World, session: Session) -> None:
    known = documents.start_orientation(session, world.referent, data.orientation())
    again = documents.start_orientation(
        session, world.referent, data.orientation(nom="Zi\u200bdane", prenom="Li\u2060na")
    )
    assert again.child_id == known.child_id
    assert read_identity(again.child).nom == "Zidane"
    assert search(session, world.referent, "Lina Zi\u200bdane") == [known.child]


def test_facts_naming_the_child_are_not_shared_with_the_eps(world: World, session: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    child = world.other_child
    parcours = make_parcours(session, child)
    document = make_document(session, parcours, answers={"faits_observes": "Lucas arrive en retard le lundi."})
    session.commit()
    coordinator = login_as(world.coordinateur)
    token = csrf_token(coordinator, "/eps")
    coordinator.post(f"/eps/{parcours.public_id}/partage", data={"csrf_token": token, "shared": "1"})
    session.refresh(parcours)
    assert not parcours.eps_facts_shared
    assert "contiennent le nom ou le prénom" in coordinator.get("/eps").get_data(as_text=True)

    # Facts first shared without a name, then edited to carry one, are withheld from the EPS.
    from app.children.vault import cipher_for
    from app.documents.models import DocumentContent

    def store(text: str) -> None:
        sealed = cipher_for(child).encrypt_json("document_contents", document.id, "answers", {"faits_observes": text})
        session.get(DocumentContent, document.id).answers = sealed  # type: ignore[union-attr]
        session.commit()

    store("Arrive en retard le lundi.")
    coordinator.post(f"/eps/{parcours.public_id}/partage", data={"csrf_token": token, "shared": "1"})
    session.refresh(parcours)
    assert parcours.eps_facts_shared
    eps = login_as(world.eps)
    assert "Arrive en retard le lundi." in eps.get("/eps").get_data(as_text=True)
    store("BERNARD arrive en retard le lundi.")
    page = eps.get("/eps").get_data(as_text=True)
    assert "BERNARD" not in page and "faits observés non affichés" in page
