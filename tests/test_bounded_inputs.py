"""SECURITY.md 28: every oversized input is refused with a French message, without spending memory on it."""

from __future__ import annotations

import base64
import io
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.archive.verify import verify_archive
from app.documents import services
from app.formengine.field_base import Invalid, check_png_data_url
from tests import documents_helpers as data
from tests.conftest import csrf_token
from tests.factories import World
from tests.test_import import HEADER, csv


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def _png(width: int, height: int, idat: bytes) -> str:
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _peak_mb(action) -> float:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_a_small_png_declaring_9000_by_9000_pixels_is_refused_from_its_header() -> None:
    # About 10 kB of compressed zero rows that would inflate to 324 MB of pixels (1.3 GB decoded RGBA).
    bomb = _png(9000, 9000, zlib.compress(b"\x00" * (9000 * 4 + 1) * 300, 9))
    assert len(bomb) < 20_000

    def check() -> None:
        with pytest.raises(Invalid, match="9000 × 9000 pixels, 3000 × 1500 au plus"):
            check_png_data_url(bomb)

    assert _peak_mb(check) < 5


def test_a_corrupt_signature_png_is_refused_when_saved_not_when_rendered(world: World, session: Session) -> None:
    corrupt = _png(40, 20, b"not zlib data at all")
    with pytest.raises(Invalid, match="image illisible"):
        check_png_data_url(corrupt)
    document = services.start_orientation(session, world.referent, data.orientation())
    signed = {"image": corrupt, "signer": "Sophie Zidane", "paper_date": ""}
    with pytest.raises(services.InvalidAnswers) as refused:
        services.save_draft(session, world.referent, document, data.orientation(signature_parent=signed), 1)
    assert "image illisible" in str(refused.value.errors)
    assert check_png_data_url(data.png_data_url(300, 100))  # a genuine drawing still passes


def _import_page(client: FlaskClient, payload: bytes) -> tuple[int, str]:
    # Encoded here in memory: the test client would spool a large body to a file it never closes.
    fields: dict[str, object] = {"csrf_token": csrf_token(client, "/import"), "preview": "1"}
    fields["file"] = FileStorage(io.BytesIO(payload), filename="p.csv", content_type="text/csv")
    boundary, body = encode_multipart(fields)
    response = client.post("/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    return response.status_code, response.get_data(as_text=True)


def test_an_import_file_over_5_mb_is_refused_in_french(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.coordinateur)
    status, page = _import_page(client, csv(*["x;" * 20] * 130_000))
    assert status == 200 and "Le fichier dépasse 5 Mo" in page


def test_a_file_of_bad_lines_gives_a_short_page_with_the_error_count(world: World, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(world.coordinateur)
    bad = [f"R{n};;;1/1/1;Z;;;;;;;;;;;;;;;;" for n in range(8000)]
    payload = csv(*bad, header=HEADER)
    assert len(payload) > 200_000
    status, page = _import_page(client, payload)
    assert status == 200 and "Fichier refusé" in page
    assert len(page.encode()) < 200_000
    shown = page.count("<li>ligne ")
    assert shown == 200
    assert "autres erreurs non affichées" in page


def test_archive_verify_refuses_a_zip_bomb_without_inflating_it(tmp_path: Path) -> None:
    bomb = tmp_path / "bombe.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("manifest.json", b'{"programme": "PRE", "files": []}')
        archive.writestr("manifest.json.sig", b"0")
        with archive.open("documents/E-AAAA/orientation-v1-x.pdf", "w", force_zip64=True) as member:
            zeros = b"\x00" * (1 << 20)
            for _ in range(1024):  # 1 GB of zeros, about 1 MB compressed
                member.write(zeros)
    assert bomb.stat().st_size < 2_000_000

    asked: list[str] = []

    def verify() -> None:
        problems = verify_archive(bomb, lambda programme: asked.append(programme) or None)
        assert [p.path for p in problems] == ["documents/E-AAAA/orientation-v1-x.pdf"]
        assert "non décompressé" in problems[0].reason or "au plus" in problems[0].reason

    assert _peak_mb(verify) < 20
    assert asked == []  # refused before reading anything, the manifest included
