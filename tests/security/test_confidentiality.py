"""G-01 to G-04, G-07, G-08: nothing readable at rest, foreign stores refused, passphrase handling."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from casetrail.crypto import kdf
from casetrail.crypto.stream import CHUNK, MAGIC, SALT_BYTES, nonce_for
from casetrail.errors import CaseCorrupt, WrongPassphrase
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, files_containing, make_zip, run_cli, snapshot, write_chat

CANARY = "Zq7canary-ÆØÅ-ключ-犬"


def canary_exports(folder: Path) -> list[Path]:
    """A chat with the canary in a message, a sender name and an attachment's name and bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = android_lines(30)
    lines.append(f"07/01/2025, 10:00 - {CANARY} Marsh: hello {CANARY}")
    text_file = write_chat(folder / "chat.txt", lines)
    photo = f"IMG-{CANARY}.jpg"
    chat = [
        "[07/01/2025, 10:00:00] Casey Marsh: look",
        f"[07/01/2025, 10:01:00] Casey Marsh: \u200e<attached: {photo}>",
        f"[07/01/2025, 10:02:00] {CANARY}: {CANARY}",
    ]
    archive = make_zip(
        folder / "with-media.zip",
        [("_chat.txt", "\r\n".join(chat).encode()), (photo, b"\xff\xd8\xff" + CANARY.encode() * 10)],
    )
    diary = folder / "diary.json"
    entry = {
        "id": "d1",
        "occurred_at": "2025-01-08T19:00",
        "kind": "in-person-incident",
        "channel": "in-person",
        "where": CANARY,
        "what_happened": CANARY,
        "people": [CANARY],
        "witnesses": [CANARY],
        "how_it_made_me_feel": CANARY,
        "impact": CANARY,
    }
    diary.write_text(
        json.dumps({"format": "casetrail-diary", "version": 1, "entries": [entry]}, ensure_ascii=False)
    )
    return [text_file, archive, diary]


def test_g01_no_canary_anywhere_in_the_case_folder(new_case: Case, tmp_path: Path) -> None:
    for path in canary_exports(tmp_path / "exports"):
        import_file(new_case, path)
    root = new_case.layout.root
    assert files_containing(root, CANARY) == []
    assert not new_case.layout.database.read_bytes().startswith(b"SQLite format 3\x00")
    wal = root / "case.db-wal"
    if wal.exists():
        assert b"SQLite format 3" not in wal.read_bytes()[:32]


def test_g02_plain_sqlite_database_is_refused_and_nothing_changes(new_case: Case, tmp_path: Path) -> None:
    root = new_case.layout.root
    new_case.close()
    db = root / "case.db"
    for leftover in root.glob("case.db-*"):
        leftover.unlink()
    db.unlink()
    plain = sqlite3.connect(db)
    plain.execute("CREATE TABLE events (text TEXT)")
    plain.commit()
    plain.close()
    chat = write_chat(tmp_path / "chat.txt", android_lines(3))
    before = snapshot(root)
    with pytest.raises(CaseCorrupt, match="case.db"):
        Case.open(root, PASSPHRASE)
    for args in (["timeline"], ["verify"], ["exhibits"], ["import", str(chat)], ["log", "--from-file", "-"]):
        result = run_cli(*args, "--case", str(root), stdin="something happened")
        assert result.returncode != 0, args
        assert "case.db" in result.stderr, args
    assert snapshot(root) == before


def test_g02_plaintext_blob_is_reported_by_verify(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(3)))
    [blob] = [p for p in new_case.layout.blobs.rglob("*") if p.is_file()]
    blob.write_bytes((tmp_path / "chat.txt").read_bytes())
    result = run_cli("verify", "--case", str(new_case.layout.root))
    assert result.returncode == 2
    assert "RH/1" in result.stdout and "FAIL" in result.stdout


def test_g03_wrong_passphrase_changes_nothing(new_case: Case, tmp_path: Path) -> None:
    root = new_case.layout.root
    new_case.close()
    chat = write_chat(tmp_path / "chat.txt", android_lines(3))
    before = snapshot(root)
    for args in (["timeline"], ["import", str(chat)], ["log", "--from-file", "-"], ["verify"], ["exhibits"]):
        result = run_cli(*args, "--case", str(root), passphrase="not the passphrase", stdin="an entry")
        assert result.returncode == WrongPassphrase.exit_code, (args, result.stderr)
        assert "does not unlock this case" in result.stderr
        assert "Traceback" not in result.stderr
    assert snapshot(root) == before
    assert not (root / "case.db-wal").exists() or "case.db-wal" in before


def test_g04_production_parameters_meet_the_floor_and_the_docs() -> None:
    prod, floor = kdf.PRODUCTION, kdf.FLOOR
    assert prod.algorithm == "argon2id"
    assert prod.memory_kib >= floor.memory_kib == 64 * 1024
    assert prod.iterations >= floor.iterations == 3
    assert kdf.SALT_BYTES == 16
    docs = (Path(__file__).resolve().parents[2] / "docs" / "crypto.md").read_text()
    assert f"m = {prod.memory_kib // 1024} MiB" in docs
    assert f"t = {prod.iterations}" in docs
    assert f"p = {prod.parallelism}" in docs


def test_g04_a_case_opens_with_the_parameters_in_its_header(tmp_path: Path) -> None:
    tiny = kdf.KdfParams(memory_kib=128, iterations=2, parallelism=1)
    Case.create(tmp_path / "c", PASSPHRASE, Producer("Robin Hale", "RH"), params=tiny).close()
    kdf.set_default_params(kdf.KdfParams(memory_kib=256, iterations=1, parallelism=2))
    header = json.loads((tmp_path / "c" / "case.json").read_text())
    assert header["kdf"]["memory_kib"] == 128 and header["kdf"]["iterations"] == 2
    with Case.open(tmp_path / "c", PASSPHRASE) as case:
        assert case.header.kdf == tiny


def test_g04_raising_parameters_rewraps_the_key_and_leaves_blobs_alone(
    new_case: Case, tmp_path: Path
) -> None:
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(3)))
    root = new_case.layout.root
    blobs_before = snapshot(new_case.layout.blobs)
    old_header = (root / "case.json").read_text()
    stronger = kdf.KdfParams(memory_kib=256, iterations=3, parallelism=1)
    new_case.rewrap(PASSPHRASE, stronger)
    new_case.close()
    new_header = json.loads((root / "case.json").read_text())
    assert new_header["kdf"]["memory_kib"] == 256
    assert json.loads(old_header)["kdf"]["salt"] != new_header["kdf"]["salt"]
    assert snapshot(new_case.layout.blobs) == blobs_before
    with Case.open(root, PASSPHRASE) as reopened:
        assert reopened.header.kdf == stronger


def test_g07_same_file_twice_gives_different_ciphertext(tmp_path: Path) -> None:
    from io import BytesIO

    from casetrail.crypto.stream import encrypt_stream

    key, data = b"k" * 32, b"x" * (3 * CHUNK + 5)
    first, second = BytesIO(), BytesIO()
    encrypt_stream([data], first, key, b"ad")
    encrypt_stream([data], second, key, b"ad")
    head = len(MAGIC) + SALT_BYTES
    assert first.getvalue()[:head] != second.getvalue()[:head]
    assert first.getvalue()[head:] != second.getvalue()[head:]


def test_g07_nonce_layout_is_pinned() -> None:
    assert nonce_for(0, False) == bytes(12)
    assert nonce_for(1, True) == bytes(10) + b"\x01\x01"
    assert nonce_for(258, False) == bytes(9) + b"\x01\x02\x00"


def test_g08_passphrase_is_never_an_option_and_never_written(new_case: Case, tmp_path: Path) -> None:
    from typer.main import get_command

    from casetrail.cli.app import app

    command = get_command(app)
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        for param in sub.params:
            assert "pass" not in (param.name or "").lower(), (name, param.name)
    secret = "Canary-passphrase-Ω-4471"
    root = tmp_path / "c2"
    outputs = []
    chat = write_chat(tmp_path / "chat.txt", android_lines(5))
    crash_chat = write_chat(tmp_path / "other.txt", android_lines(8))
    runs = [
        ["init", "--case", str(root), "--name", "Robin Hale", "--initials", "RH"],
        ["import", "--case", str(root), str(chat)],
        ["timeline", "--case", str(root)],
        ["verify", "--case", str(root)],
        ["exhibits", "--case", str(root)],
        ["log", "--case", str(root), "--from-file", "-"],
        ["timeline", "--case", str(root / "missing")],
    ]
    for args in runs:
        result = run_cli(*args, passphrase=secret, stdin="a short entry", env={"CASETRAIL_DEBUG": "1"})
        outputs += [result.stdout, result.stderr]
    crash = run_cli(
        "import",
        "--case",
        str(root),
        str(crash_chat),
        passphrase=secret,
        env={"CASETRAIL_DEBUG": "1", "CASETRAIL_CRASH_AT": "batch-written:1:raise"},
    )
    assert crash.returncode == 70 and "InjectedFailure" in crash.stderr
    outputs += [crash.stdout, crash.stderr]
    assert all(secret not in out for out in outputs)
    assert files_containing(root, secret) == []


def test_g01_demo_case_with_canaries_in_every_field(new_case: Case, tmp_path: Path) -> None:
    from casetrail.demo import generate_demo_files

    canary = "Demo-canary-ĳ-9931"
    files = generate_demo_files(tmp_path / "exports", canary=canary)
    assert files_containing(tmp_path / "exports", canary)  # the canary really is in the exports
    for path in files.paths:
        import_file(new_case, path)
    assert files_containing(new_case.layout.root, canary) == []
