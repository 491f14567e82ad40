"""G-06, G-09, G-10, G-12: stored files and the audit log cannot change without verify saying so."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from casetrail.crypto.stream import CHUNK, MAGIC, SALT_BYTES, TAG, BlobTampered
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from casetrail.store.queries import list_exhibits
from casetrail.store.verify import verify_case
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, make_zip, write_chat

HEAD = len(MAGIC) + SALT_BYTES
RECORD = CHUNK + TAG


def failing(case: Case) -> list[tuple[str, str | None]]:
    return [(c.name, c.subject) for c in verify_case(case).checks if not c.ok]


@pytest.fixture
def media_case(new_case: Case, tmp_path: Path) -> Case:
    """Two exhibits with multi-chunk content inside a zip, plus the zip and its chat."""
    big_a = bytes(range(256)) * 1100  # ~275 KiB: five chunks
    big_b = hashlib.sha256(b"b").digest() * 9000
    chat = (
        "[07/01/2025, 10:00:00] Casey Marsh: \u200e<attached: a.jpg>\r\n"
        "[07/01/2025, 10:01:00] Casey Marsh: b\r\n"
    )
    archive = make_zip(
        tmp_path / "media.zip", [("_chat.txt", chat.encode()), ("a.jpg", big_a), ("b.jpg", big_b)]
    )
    import_file(new_case, archive)
    return new_case


def blob_of(case: Case, ref: str) -> Path:
    [info] = [e for e in list_exhibits(case) if e.ref == ref]
    return case.blobs.path_for(info.sha256)


def test_g06_blob_names_are_keyed_not_plain_hashes(media_case: Case) -> None:
    names = media_case.blobs.all_names()
    hashes = {e.sha256 for e in list_exhibits(media_case)}
    assert names and not names & hashes


MUTATIONS = ["flip", "truncate-at-chunk", "drop-final", "swap-chunks", "swap-files", "from-other-case"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=st.sampled_from(MUTATIONS), target=st.sampled_from(["RH/3", "RH/4"]), data=st.data())
def test_g06_any_change_to_a_blob_is_detected(
    media_case: Case,
    tmp_path_factory: pytest.TempPathFactory,
    mutation: str,
    target: str,
    data: st.DataObject,
) -> None:
    path = blob_of(media_case, target)
    original = path.read_bytes()
    other = blob_of(media_case, "RH/4" if target == "RH/3" else "RH/3")
    other_original = other.read_bytes()
    body = bytearray(original)
    chunks = (len(body) - HEAD + RECORD - 1) // RECORD
    if mutation == "flip":
        offset = data.draw(st.integers(0, len(body) - 1))
        body[offset] ^= 1 << data.draw(st.integers(0, 7))
    elif mutation == "truncate-at-chunk":
        body = body[: HEAD + RECORD * data.draw(st.integers(1, chunks - 1))]
    elif mutation == "drop-final":
        body = body[: HEAD + RECORD * (chunks - 1)]
    elif mutation == "swap-chunks":
        first = body[HEAD : HEAD + RECORD]
        body[HEAD : HEAD + RECORD] = body[HEAD + RECORD : HEAD + 2 * RECORD]
        body[HEAD + RECORD : HEAD + 2 * RECORD] = first
    elif mutation == "swap-files":
        body = bytearray(other_original)
        other.write_bytes(original)
    else:  # the same content stored by another case, with that case's keys
        folder = tmp_path_factory.mktemp("other")
        [info] = [e for e in list_exhibits(media_case) if e.ref == target]
        with Case.create(folder / "c", PASSPHRASE, Producer("Sam Okafor", "SO")) as other_case:
            content = b"".join(media_case.blobs.read(info.sha256))
            ref = other_case.blobs.put(info.sha256, len(content), [content])
            body = bytearray(other_case.layout.blob_path(ref.name).read_bytes())
    path.write_bytes(bytes(body))
    try:
        with pytest.raises(BlobTampered):
            b"".join(
                media_case.blobs.read(next(e.sha256 for e in list_exhibits(media_case) if e.ref == target))
            )
        assert ("exhibit", target) in failing(media_case)
    finally:
        path.write_bytes(original)
        other.write_bytes(other_original)
    assert failing(media_case) == []


@pytest.mark.parametrize(
    "sample",
    [
        "whatsapp/whatsapp-chat-parser-website/whatsapp-chat-parser-example.zip",
        "whatsapp/chat-analytics/4A_11M.zip",
        "whatsapp/chat-miner/test_ddmmyy_24hrs.txt",
    ],
)
def test_g09_exhibits_are_kept_byte_for_byte(
    new_case: Case, corpus: Callable[[str], Path], sample: str
) -> None:
    path = corpus(sample)
    result = import_file(new_case, path)
    [top] = [e for e in list_exhibits(new_case) if e.ref == result.exhibit]
    assert top.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert b"".join(new_case.blobs.read(top.sha256)) == path.read_bytes()
    for exhibit in list_exhibits(new_case):
        assert hashlib.sha256(b"".join(new_case.blobs.read(exhibit.sha256))).hexdigest() == exhibit.sha256


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 10_000), offset=st.integers(0, 10**9), bit=st.integers(0, 7))
def test_g09_one_flipped_byte_is_reported_against_exactly_that_exhibit(
    media_case: Case, which: int, offset: int, bit: int
) -> None:
    exhibits = list(list_exhibits(media_case))
    chosen = exhibits[which % len(exhibits)]
    path = media_case.blobs.path_for(chosen.sha256)
    original = path.read_bytes()
    body = bytearray(original)
    body[offset % len(body)] ^= 1 << bit
    path.write_bytes(bytes(body))
    try:
        bad = [c for c in verify_case(media_case).checks if not c.ok]
        assert [c.subject for c in bad if c.name == "exhibit"] == [chosen.ref]
    finally:
        path.write_bytes(original)


def _raw(case: Case, *statements: str) -> None:
    """Test-only raw access to the database, as a tamperer holding the key would have."""
    with case.writer.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


AUDIT_MUTATIONS = {
    "edit": ["UPDATE audit_log SET action = 'events deleted' WHERE seq = 3"],
    "delete": ["DELETE FROM audit_log WHERE seq = 2"],
    "insert": [
        "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3",
        "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 103",
        "INSERT INTO audit_log SELECT 3, at, action, actor_enc, details_enc, prev_hash, entry_hash"
        " FROM audit_log WHERE seq = 2",
    ],
    "reorder": [
        "UPDATE audit_log SET seq = -1 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = -1",
    ],
    "swap-sealed-details": [
        "UPDATE audit_log SET details_enc = (SELECT details_enc FROM audit_log WHERE seq = 4) WHERE seq = 3"
    ],
    "truncate-tail": ["DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)"],
}


@pytest.mark.parametrize("mutation", list(AUDIT_MUTATIONS))
def test_g10_audit_log_tampering_is_detected(new_case: Case, tmp_path: Path, mutation: str) -> None:
    import_file(new_case, write_chat(tmp_path / "a.txt", android_lines(5)))
    import_file(new_case, write_chat(tmp_path / "b.txt", android_lines(6)))
    assert failing(new_case) == []
    _raw(new_case, *AUDIT_MUTATIONS[mutation])
    problems = [c for c in verify_case(new_case).checks if not c.ok]
    assert problems and all(c.name == "audit log" for c in problems)
    assert problems[0].subject is not None and problems[0].subject.startswith("entry ")


def test_g10_verify_cli_exits_non_zero_and_names_the_entry(new_case: Case, tmp_path: Path) -> None:
    from tests.helpers import run_cli

    import_file(new_case, write_chat(tmp_path / "a.txt", android_lines(5)))
    _raw(new_case, "UPDATE audit_log SET at = '2020-01-01T00:00:00Z' WHERE seq = 2")
    result = run_cli("verify", "--case", str(new_case.layout.root), "--json")
    assert result.returncode == 2
    assert '"subject": "entry 2"' in result.stdout


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(st.integers(0, 40), st.integers(1, 40)), min_size=1, max_size=5))
def test_g12_exhibit_references_never_change(
    tmp_path_factory: pytest.TempPathFactory, plan: list[tuple[int, int]]
) -> None:
    folder = tmp_path_factory.mktemp("g12")
    lines = android_lines(80)
    seen: dict[str, str] = {}
    with Case.create(folder / "case", PASSPHRASE, Producer("Robin Hale", "RH")) as case:
        for n, (start, length) in enumerate(plan):
            export = write_chat(folder / f"export-{n}.txt", lines[start : start + length])
            import_file(case, export)
            current = {e.ref: e.sha256 for e in list_exhibits(case)}
            assert all(current.get(ref) == sha for ref, sha in seen.items())
            seen = current
        shutil.rmtree(folder)
