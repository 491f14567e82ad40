"""G-46: an exhibit the person wants gone is removed from rows, pages, the WAL and the blob store."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import select, text

from casetrail.errors import CasetrailError
from casetrail.store.case import Case
from casetrail.store.event_blocks import block_place, open_records, split_identities
from casetrail.store.exhibits import exhibit_meta
from casetrail.store.expunge import EMPTY_SHA256, checkpoint_wal, expunge
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, list_exhibits, timeline
from casetrail.store.tables import event_blocks, event_sources, events, exhibits
from casetrail.store.verify import verify_case
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, count_events, make_zip, run_cli, table_hashes, write_chat

CANARY = "Xp4expunge-ÆØÅ-ключ-犬"
REASON = "I no longer want this conversation kept"
SQLCIPHER_PAGE, SQLCIPHER_RESERVE = 4096, 80  # SQLCipher 4 defaults: IV 16 + HMAC-SHA512 64


def canary_zip(folder: Path, name: str = "with-media.zip", photo_bytes: bytes | None = None) -> Path:
    """A WhatsApp export with the canary in message text and in an attachment's name and bytes."""
    photo = f"IMG-{CANARY}.jpg"
    chat = [
        "[07/01/2025, 10:00:00] Casey Marsh: look",
        f"[07/01/2025, 10:01:00] Casey Marsh: \u200e<attached: {photo}>",
        f"[07/01/2025, 10:02:00] Casey Marsh: {CANARY}",
    ]
    data = photo_bytes if photo_bytes is not None else b"\xff\xd8\xff" + CANARY.encode() * 10
    return make_zip(folder / name, [("_chat.txt", "\r\n".join(chat).encode()), (photo, data)])


def decrypted_pages(case: Case) -> bytes:
    """Every page of case.db decrypted by hand (SQLCipher 4, raw key), free pages included."""
    data = case.layout.database.read_bytes()
    pages = []
    for offset in range(0, len(data), SQLCIPHER_PAGE):
        page = data[offset : offset + SQLCIPHER_PAGE]
        end = SQLCIPHER_PAGE - SQLCIPHER_RESERVE
        decryptor = Cipher(algorithms.AES(case.keys.database), modes.CBC(page[end : end + 16])).decryptor()
        pages.append(decryptor.update(page[16 if offset == 0 else 0 : end]) + decryptor.finalize())
    return b"".join(pages)


def plaintext_export(case: Case, target: Path) -> Path:
    """A test-only plaintext copy of the database (sqlcipher_export), written outside the case."""
    raw = case.writer.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"ATTACH DATABASE '{target}' AS plaintext KEY ''")
        cursor.execute("SELECT sqlcipher_export('plaintext')")
        cursor.execute("DETACH DATABASE plaintext")
        cursor.close()
    finally:
        raw.close()
    return target


def opened_values(case: Case, plain_db: Path) -> list[str]:
    """Every sealed evidence value in a plaintext export, opened with the case key."""
    places: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
        "event_blocks": ("records_enc", lambda row: block_place(row["id"], row["identities"])),
        "exhibits": ("meta_enc", lambda row: f"exhibits.meta:{row['content_key']}"),
        "case_info": ("value_enc", lambda row: f"case_info:{row['key']}"),
    }
    found = []
    with sqlite3.connect(plain_db) as conn:
        conn.row_factory = sqlite3.Row
        for table, (column, place) in places.items():
            for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608  (fixed table names)
                if table == "event_blocks":  # records are compressed inside the seal
                    records = open_records(case.fields, row["id"], row["identities"], row[column])
                    found.append(json.dumps(records, ensure_ascii=False))
                else:
                    found.append(case.fields.open(row[column], place(dict(row))).decode())
    return found


def fingerprints(case: Case, ref: str) -> list[bytes]:
    """Unique bytes of every row an expunge of ``ref`` must remove: nonces, keyed hashes, identities."""
    marks: list[bytes] = []
    with case.reader.connect() as conn:
        top = conn.execute(select(exhibits).where(exhibits.c.ref == ref)).one()
        group = conn.execute(
            select(exhibits).where((exhibits.c.id == top.id) | (exhibits.c.parent_id == top.id))
        ).all()
        marks += [row.meta_enc[1:13] for row in group] + [row.content_key.encode() for row in group]
        blocks = conn.execute(select(event_blocks).where(event_blocks.c.exhibit_id == top.id)).all()
        marks += [row.records_enc[1:13] for row in blocks]
        marks += [identity for row in blocks for identity in split_identities(row.identities)]
    return marks


def blob_paths(case: Case, ref: str) -> list[Path]:
    with case.reader.connect() as conn:
        top = conn.execute(select(exhibits).where(exhibits.c.ref == ref)).one()
        group = conn.execute(
            select(exhibits).where((exhibits.c.id == top.id) | (exhibits.c.parent_id == top.id))
        ).all()
    return [case.blobs.path_for(exhibit_meta(case, row)["sha256"]) for row in group]


def canary_forms() -> list[bytes]:
    return [CANARY.encode("utf-8"), CANARY.encode("utf-16-le"), CANARY.encode("utf-16-be")]


def test_g46_an_expunged_chat_leaves_nothing_in_rows_pages_wal_or_blobs(
    new_case: Case, tmp_path: Path
) -> None:
    keep = write_chat(tmp_path / "keep.txt", android_lines(12))
    import_file(new_case, keep)
    zipped = canary_zip(tmp_path)
    import_file(new_case, zipped)
    before = {e.ref: e.sha256 for e in list_exhibits(new_case)}
    assert before["RH/2"] == hashlib.sha256(zipped.read_bytes()).hexdigest()
    kept_events = 12
    assert count_events(new_case) == kept_events + 3
    marks, paths = fingerprints(new_case, "RH/2"), blob_paths(new_case, "RH/2")
    assert len(marks) == 3 * 2 + 1 + 3 and all(p.exists() for p in paths) and len(paths) == 3
    with new_case.reader.connect() as conn:
        kept_rows = conn.execute(select(events).order_by(events.c.identity)).all()[:kept_events]
        kept_blocks = conn.execute(select(event_blocks).where(event_blocks.c.import_id == 1)).all()
    assert {row.block_id for row in kept_rows} == {block.id for block in kept_blocks}
    checkpoint_wal(new_case)
    before_pages = decrypted_pages(new_case)
    assert all(mark in before_pages for mark in marks)  # the page scan can see what it looks for
    before_values = opened_values(new_case, plaintext_export(new_case, tmp_path / "before.db"))
    assert sum(CANARY in value for value in before_values) == 2  # the events' block, the photo's record

    expunge(new_case, "RH/2", REASON)

    with new_case.writer.connect() as conn:
        assert conn.execute(text("PRAGMA secure_delete")).scalar() == 1
    wal = new_case.layout.root / "case.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    pages = decrypted_pages(new_case)
    assert [mark for mark in marks if mark in pages] == []
    plain = plaintext_export(new_case, tmp_path / "plain.db")
    assert not plain.is_relative_to(new_case.layout.root)
    assert [form for form in canary_forms() if form in plain.read_bytes()] == []
    assert [value for value in opened_values(new_case, plain) if CANARY in value] == []
    assert [p for p in paths if p.exists()] == []
    assert new_case.blobs.all_names() == {
        new_case.blobs.name_for(before["RH/1"]),
        new_case.blobs.name_for(EMPTY_SHA256),
    }
    with new_case.reader.connect() as conn:
        entries = list(new_case.audit.entries(conn))
    last = entries[-1]
    assert last.action == "exhibit expunged"
    assert last.details["ref"] == "RH/2" and last.details["reason"] == REASON
    assert last.details["sha256"] == before["RH/2"]
    assert last.details["members"] == [{"ref": r, "sha256": before[r]} for r in ("RH/3", "RH/4")]
    assert last.details["events_removed"] == 3
    # The hash chain cannot be edited: the sealed "exhibit added" entry still names the attachment.
    still = [
        (e.action, e.details.get("ref"))
        for e in entries
        if CANARY in json.dumps(e.details, ensure_ascii=False)
    ]
    assert still == [("exhibit added", "RH/4")]
    assert verify_case(new_case).ok
    assert [(e.ref, e.sha256) for e in list_exhibits(new_case)][:1] == [("RH/1", before["RH/1"])]
    assert count_events(new_case) == kept_events
    with new_case.reader.connect() as conn:
        assert conn.execute(select(events).order_by(events.c.identity)).all() == kept_rows
        assert conn.execute(select(event_blocks)).all() == kept_blocks
        assert conn.execute(select(event_sources)).all() == []
    later = import_file(new_case, write_chat(tmp_path / "later.txt", android_lines(3, step_minutes=3)))
    assert later.exhibit == "RH/5"


def test_g46_expunging_a_reference_that_does_not_exist_changes_nothing(
    new_case: Case, tmp_path: Path
) -> None:
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(5)))
    root = new_case.layout.root
    tables, blobs, header = (
        table_hashes(new_case),
        new_case.blobs.all_names(),
        (root / "case.json").read_bytes(),
    )
    with pytest.raises(CasetrailError, match=r"^There is no exhibit RH/9 in this case"):
        expunge(new_case, "RH/9", REASON)
    result = run_cli("expunge", "RH/9", "--case", str(root), "--reason-from-file", "-", "--yes", stdin=REASON)
    assert result.returncode == 1
    assert "There is no exhibit RH/9 in this case" in result.stderr
    assert "Nothing was changed." in result.stderr
    assert (table_hashes(new_case), new_case.blobs.all_names()) == (tables, blobs)
    assert (root / "case.json").read_bytes() == header


def test_g46_the_expunged_number_is_never_reused_and_the_same_file_comes_back_as_new(
    new_case: Case, tmp_path: Path
) -> None:
    first = write_chat(tmp_path / "first.txt", android_lines(4))
    assert import_file(new_case, first).exhibit == "RH/1"
    expunge(new_case, "rh/1", REASON)
    assert count_events(new_case) == 0
    second = write_chat(tmp_path / "second.txt", android_lines(6, start=datetime(2025, 3, 1, 9, 0)))
    assert import_file(new_case, second).exhibit == "RH/2"
    again = import_file(new_case, first)
    assert (again.exhibit, again.events_added) == ("RH/3", 4)
    listed = [(e.ref, e.original_name, e.size) for e in list_exhibits(new_case)]
    sizes = [first.stat().st_size, second.stat().st_size]
    assert listed == [
        ("RH/1", "(expunged)", 0),
        ("RH/2", "second.txt", sizes[1]),
        ("RH/3", "first.txt", sizes[0]),
    ]
    assert verify_case(new_case).ok
    with pytest.raises(CasetrailError, match=r"^RH/1 has already been expunged\. Nothing was changed\.$"):
        expunge(new_case, "RH/1", REASON)


def test_g46_events_another_export_also_holds_are_kept_with_their_other_source(
    new_case: Case, tmp_path: Path
) -> None:
    lines = android_lines(30)
    import_file(new_case, write_chat(tmp_path / "early.txt", lines[:20]))
    import_file(new_case, write_chat(tmp_path / "late.txt", lines[10:]))
    assert count_events(new_case) == 30
    plan = expunge(new_case, "RH/1", REASON)
    assert len(plan.dropped) == 10
    assert count_events(new_case) == 20
    shown = timeline(new_case, TimelineFilter(), limit=None)
    assert [e.text for e in shown] == [line.split(": ", 1)[1] for line in lines[10:]]
    assert [[s["exhibit"] for s in e.sources] for e in shown] == [["RH/2"]] * 20
    assert verify_case(new_case).ok


def test_g46_a_photo_another_export_also_holds_is_kept(new_case: Case, tmp_path: Path) -> None:
    photo = b"\xff\xd8\xff shared photo bytes"
    import_file(new_case, canary_zip(tmp_path, "first.zip", photo))
    second = tmp_path / "second"
    second.mkdir()
    chat = f"[09/01/2025, 08:00:00] Casey Marsh: \u200e<attached: IMG-{CANARY}.jpg>\r\n"
    make_zip(second / "second.zip", [("_chat.txt", chat.encode()), (f"IMG-{CANARY}.jpg", photo)])
    import_file(new_case, second / "second.zip")
    photo_blob = new_case.blobs.path_for(hashlib.sha256(photo).hexdigest())
    plan = expunge(new_case, "RH/1", REASON)
    assert ([m.ref for m in plan.members], plan.kept_members) == (["RH/2"], ["RH/3"])
    assert photo_blob.exists()
    assert verify_case(new_case).ok


def test_g46_a_file_inside_an_archive_cannot_be_expunged_alone(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, canary_zip(tmp_path))
    before = table_hashes(new_case)
    with pytest.raises(CasetrailError, match=r"^RH/3 is a file inside RH/1, .* expunge RH/1\. Nothing"):
        expunge(new_case, "RH/3", REASON)
    assert table_hashes(new_case) == before


def test_g46_cli_takes_the_reason_from_a_file_or_stdin_and_asks_first(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, write_chat(tmp_path / "one.txt", android_lines(3)))
    import_file(
        new_case, write_chat(tmp_path / "two.txt", android_lines(5, start=datetime(2025, 3, 1, 9, 0)))
    )
    root = new_case.layout.root
    before = table_hashes(new_case)
    args = ["expunge", "RH/1", "--case", str(root)]
    unconfirmed = run_cli(*args, "--reason-from-file", "-", stdin=REASON)
    assert unconfirmed.returncode == 1
    assert "To expunge without a terminal, add --yes. Nothing was changed." in unconfirmed.stderr
    empty = run_cli(*args, "--reason-from-file", "-", "--yes", stdin="  \n")
    assert empty.returncode == 1 and "Please give a reason" in empty.stderr
    on_argv = run_cli(*args, "--reason", REASON, "--yes")
    assert on_argv.returncode == 2
    assert table_hashes(new_case) == before
    reason_file = tmp_path / "reason.txt"
    reason_file.write_text(REASON + "\n")
    done = run_cli(*args, "--reason-from-file", str(reason_file), "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "expunged": "RH/1",
        "sha256": hashlib.sha256((tmp_path / "one.txt").read_bytes()).hexdigest(),
        "members_expunged": [],
        "members_kept": [],
        "events_removed": 3,
        "wal_cleared": True,
    }
    assert REASON not in done.stdout + done.stderr
    with new_case.reader.connect() as conn:
        assert list(new_case.audit.entries(conn))[-1].details["reason"] == REASON
    plain = run_cli("expunge", "RH/2", "--case", str(root), "--reason-from-file", "-", "--yes", stdin="x")
    assert plain.returncode == 0
    assert plain.stdout.startswith("RH/2 has been expunged: 5 events found only in it were removed.")


def test_g46_a_crash_after_the_commit_leaves_only_an_orphan_blob_that_repair_removes(
    new_case: Case, tmp_path: Path
) -> None:
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(4)))
    root = new_case.layout.root
    killed = run_cli(
        "expunge", "RH/1", "--case", str(root), "--reason-from-file", "-", "--yes",
        stdin=REASON, env={"CASETRAIL_CRASH_AT": "expunge-committed:1"},
    )  # fmt: skip
    assert killed.returncode == -9
    assert count_events(new_case) == 0
    report = verify_case(new_case)
    assert report.ok
    [orphans] = [c.detail for c in report.checks if c.name == "orphan blobs"]
    assert orphans.startswith("1 stored file(s) belong to no exhibit (left by an interrupted import;")
    repaired = verify_case(new_case, repair=True)
    assert repaired.orphans_removed == 1
    assert new_case.blobs.all_names() == {new_case.blobs.name_for(EMPTY_SHA256)}


def test_g46_at_a_terminal_it_asks_first_and_no_changes_nothing(new_case: Case, tmp_path: Path) -> None:
    from tests.cli.test_log_interactive import Terminal

    import_file(new_case, canary_zip(tmp_path))
    reason = tmp_path / "reason.txt"
    reason.write_text(REASON)
    before = table_hashes(new_case)
    args = ["expunge", "RH/1", "--case", str(new_case.layout.root), "--reason-from-file", str(reason)]
    for answer, code in (("n", 1), ("y", 0)):
        term = Terminal(*args)
        term.expect("Case passphrase")
        term.type_secret(PASSPHRASE)
        term.expect("Expunge it? [y/N]")
        assert "This permanently removes RH/1 (with-media.zip), the 2 files inside it and 3 events" in (
            term.screen.decode().replace("\r\n", " ")
        )
        term.type(answer)
        assert term.finish() == code
        if answer == "n":
            assert table_hashes(new_case) == before
    assert count_events(new_case) == 0


def test_g46_a_diary_entry_with_a_later_version_elsewhere_is_refused_until_that_goes_first(
    new_case: Case,
) -> None:
    from casetrail.store.diary import save_entry

    entry = {"occurred_at": "2025-03-14T18:40", "kind": "in-person-incident", "channel": "in-person",
             "what_happened": "He waited outside my work"}  # fmt: skip
    first = save_entry(new_case, entry)
    save_entry(new_case, {**entry, "what_happened": "He waited outside my work again"}, supersedes=first.uid)
    before = table_hashes(new_case)
    with pytest.raises(CasetrailError, match=r"^A later version of a diary entry in RH/1 is kept in another"):
        expunge(new_case, "RH/1", REASON)
    assert table_hashes(new_case) == before
    assert len(expunge(new_case, "RH/2", REASON).dropped) == 1
    assert len(expunge(new_case, "RH/1", REASON).dropped) == 1
    assert count_events(new_case) == 0
    assert verify_case(new_case).ok


def test_g46_decisions_links_and_stored_results_about_expunged_events_go_with_them(
    new_case: Case, tmp_path: Path
) -> None:
    from casetrail.store.analysis_runs import runs, save_run
    from casetrail.store.decisions import decide, decisions, diary_links, link_diary

    lines = android_lines(30)
    import_file(new_case, write_chat(tmp_path / "early.txt", lines[:20]))
    import_file(new_case, write_chat(tmp_path / "late.txt", lines[10:]))
    shown = timeline(new_case, TimelineFilter(), limit=None)
    only_early, both, only_late = shown[0], shown[15], shown[25]
    decide(new_case, only_early.uid, "THREAT.VIOLENCE", "rejected", "Officer A")
    decide(new_case, only_late.uid, "THREAT.VIOLENCE", "confirmed", "Officer A")
    link_diary(new_case, only_late.uid, [only_early.uid, both.uid], "Robin")
    save_run(new_case, "course-of-conduct", {"severity.yaml": "1"}, {"quoted": only_early.text})
    expunge(new_case, "RH/1", REASON)
    assert [d.uid for d in decisions(new_case)] == [only_late.uid]
    assert diary_links(new_case) == {bytes.fromhex(only_late.uid): [bytes.fromhex(both.uid)]}
    assert runs(new_case, "course-of-conduct") == []  # it may quote what was removed
    assert verify_case(new_case).ok
