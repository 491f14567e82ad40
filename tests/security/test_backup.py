"""G-44: a backup is a consistent, encrypted copy, even of a case in use; restore checks every byte."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from casetrail.store.backup import create_backup, restore_backup
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from casetrail.store.queries import list_exhibits
from casetrail.store.verify import verify_case
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, count_events, files_containing, run_cli, snapshot, write_chat

CANARY = "Backup-canary-ŧ-7731"
WIDE = {"COLUMNS": "1000"}  # keep long names on one line in error messages

State = tuple[list[tuple[str, str]], tuple[int, str]]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A case holding one small chat with a canary in it."""
    root = tmp_path / "case"
    lines = [*android_lines(40), f"01/03/2025, 10:00 - Casey Marsh: {CANARY}"]
    with Case.create(root, PASSPHRASE, Producer("Robin Hale", "RH")) as case:
        import_file(case, write_chat(tmp_path / "small.txt", lines))
    return root


def state(root: Path) -> State:
    with Case.open(root, PASSPHRASE) as case:
        refs = [(e.ref, e.sha256) for e in list_exhibits(case)]
        with case.reader.connect() as conn:
            checkpoint = case.audit.head(conn)
    return refs, checkpoint


def backup_cli(root: Path, out: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("backup", "--case", str(root), "--out", str(out), "--json", env=env)


def case_files(root: Path) -> dict[str, tuple[int, str, int]]:
    """The case's files, without SQLite's shared-memory and WAL files (a killed reader leaves them)."""
    return {k: v for k, v in snapshot(root).items() if not k.endswith(("-wal", "-shm"))}


def test_g44_backup_during_an_import_restores_to_the_state_before_or_after_it(
    source: Path, tmp_path: Path
) -> None:
    before = state(source)
    export = write_chat(tmp_path / "big.txt", android_lines(20_000))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    env["CASETRAIL_PASSPHRASE"] = PASSPHRASE
    command = [sys.executable, "-m", "casetrail", "import", "--json", "--case", str(source), str(export)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    backups: list[Path] = []
    while proc.poll() is None and len(backups) < 12:
        out = tmp_path / f"during-{len(backups)}.ctbackup"
        with Case.open(source, PASSPHRASE) as case:
            create_backup(case, out)
        backups.append(out)
        time.sleep(0.2)
    assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
    assert len(backups) >= 2, "the import finished before backups could be taken while it ran"
    after = state(source)
    assert before != after
    with Case.open(source, PASSPHRASE) as case:
        create_backup(case, tmp_path / "after.ctbackup")
    backups.append(tmp_path / "after.ctbackup")
    seen = []
    for number, backup in enumerate(backups):
        target = tmp_path / f"restored-{number}"
        target.mkdir()  # an existing empty folder is fine
        if number == 0:  # once through the command line, the others in-process (faster)
            result = run_cli("restore", str(backup), "--case", str(target), "--json")
            assert result.returncode == 0, result.stderr
            report = json.loads(result.stdout)
            assert report["verified"] is True
        else:
            report = restore_backup(backup, target, PASSPHRASE).to_json()
        got = state(target)
        assert got in (before, after)
        assert [report["checkpoint"]["size"], report["checkpoint"]["head"]] == list(got[1])
        seen.append(got)
        with Case.open(target, PASSPHRASE) as restored:
            assert verify_case(restored).ok
            assert count_events(restored) == (41 if got == before else 20_001)  # 40 overlap
    assert seen[0] == before  # taken while the import was still running
    assert seen[-1] == after


def test_g44_the_backup_holds_no_plaintext_and_its_database_stays_encrypted(
    source: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    result = backup_cli(source, out_dir / "case.ctbackup")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["case.ctbackup"]  # no temp files left beside it
    assert files_containing(out_dir, CANARY) == []
    extracted = tmp_path / "extracted"
    with zipfile.ZipFile(out_dir / "case.ctbackup") as archive:
        names = archive.namelist()
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
        database = archive.read("case.db")
        manifest = json.loads(archive.read("manifest.json"))
        archive.extractall(extracted)
    assert not database.startswith(b"SQLite format 3")
    assert files_containing(extracted, CANARY) == []
    assert names[:2] == ["case.json", "case.db"] and names[-1] == "manifest.json"
    assert [m["name"] for m in manifest["members"]] == names[:-1]
    assert len([n for n in names if n.startswith("blobs/")]) == 1
    with Case.open(source, PASSPHRASE) as case:
        assert manifest["case_id"] == case.keys.case_id
        with case.reader.connect() as conn:
            assert (manifest["checkpoint"]["size"], manifest["checkpoint"]["head"]) == case.audit.head(conn)
    restored = tmp_path / "restored"
    restore_backup(out_dir / "case.ctbackup", restored, PASSPHRASE)
    assert files_containing(restored, CANARY) == []
    assert state(restored) == state(source)


def _flip_in_member(backup: Path, prefix: str) -> str:
    """Flip one byte in the middle of the stored data of the first member whose name starts with prefix."""
    with zipfile.ZipFile(backup) as archive:
        info = next(i for i in archive.infolist() if i.filename.startswith(prefix))
    data = bytearray(backup.read_bytes())
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    offset = info.header_offset + 30 + name_len + extra_len + info.compress_size // 2
    data[offset] ^= 0x01
    backup.write_bytes(bytes(data))
    return info.filename


@pytest.mark.parametrize("prefix", ["case.json", "case.db", "blobs/"])
def test_g44_a_flipped_byte_is_reported_naming_the_member_and_nothing_is_restored(
    source: Path, tmp_path: Path, prefix: str
) -> None:
    backup = tmp_path / "case.ctbackup"
    assert backup_cli(source, backup).returncode == 0
    member = _flip_in_member(backup, prefix)
    target = tmp_path / "restored"
    result = run_cli("restore", str(backup), "--case", str(target), env=WIDE)
    assert result.returncode == 8
    assert f"entry {member!r}" in result.stderr
    assert "Nothing was restored." in result.stderr
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case", "case.ctbackup", "small.txt"]


def test_g44_a_member_changed_behind_a_valid_zip_checksum_is_caught_by_the_manifest(
    source: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "case.ctbackup"
    assert backup_cli(source, backup).returncode == 0
    with zipfile.ZipFile(backup) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    forged = tmp_path / "forged.ctbackup"
    with zipfile.ZipFile(forged, "w", zipfile.ZIP_STORED) as archive:
        for info, data in members:
            if info.filename == "case.db":
                data = data[:5000] + bytes([data[5000] ^ 1]) + data[5001:]
            archive.writestr(info, data)
    target = tmp_path / "restored"
    with pytest.raises(Exception, match=r"member case\.db does not match the manifest") as raised:
        restore_backup(forged, target, PASSPHRASE)
    assert "Nothing was restored." in str(raised.value)
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if ".restoring-" in p.name]


def test_g44_restore_onto_an_existing_case_fails_and_changes_nothing(source: Path, tmp_path: Path) -> None:
    backup = tmp_path / "case.ctbackup"
    assert backup_cli(source, backup).returncode == 0
    with Case.create(tmp_path / "other", PASSPHRASE, Producer("Sam Lee", "SL")):
        pass
    before = snapshot(tmp_path / "other")
    result = run_cli("restore", str(backup), "--case", str(tmp_path / "other"), env=WIDE)
    assert result.returncode == 1
    assert "already holds a casetrail case" in result.stderr
    assert snapshot(tmp_path / "other") == before
    busy = tmp_path / "papers"
    busy.mkdir()
    (busy / "note.txt").write_text("not a case")
    result = run_cli("restore", str(backup), "--case", str(busy), env=WIDE)
    assert result.returncode == 8
    assert "is not an empty folder" in result.stderr
    assert sorted(p.name for p in busy.iterdir()) == ["note.txt"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../escaped.db", "unsafe entry name: parent-folder ('..') path"),
        ("/tmp/absolute.db", "unsafe entry name: absolute path"),
        ("blobs/zz/run-me.sh", "unexpected member 'blobs/zz/run-me.sh'"),
    ],
)
def test_g44_restore_refuses_unsafe_member_names(tmp_path: Path, name: str, message: str) -> None:
    bad = tmp_path / "bad.ctbackup"
    manifest = {
        "format": "casetrail-backup",
        "version": 1,
        "case_id": "x",
        "members": [{"name": name, "size": 1, "sha256": "0" * 64}],
    }
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr(name, b"x")
        archive.writestr("manifest.json", json.dumps(manifest))
    result = run_cli("restore", str(bad), "--case", str(tmp_path / "restored"), env=WIDE)
    assert result.returncode in {3, 8}
    assert message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ctbackup"]
    assert not Path("/tmp/absolute.db").exists()


def test_g44_restore_with_a_wrong_passphrase_restores_nothing(source: Path, tmp_path: Path) -> None:
    backup = tmp_path / "case.ctbackup"
    assert backup_cli(source, backup).returncode == 0
    result = run_cli("restore", str(backup), "--case", str(tmp_path / "restored"), passphrase="not it at all")
    assert result.returncode == 4
    assert not (tmp_path / "restored").exists()
    assert not [p for p in tmp_path.iterdir() if ".restoring-" in p.name]


def test_g44_backup_refuses_an_existing_file_and_a_place_inside_the_case(
    source: Path, tmp_path: Path
) -> None:
    existing = tmp_path / "old.ctbackup"
    existing.write_bytes(b"an older backup")
    result = backup_cli(source, existing, env=WIDE)
    assert (result.returncode, existing.read_bytes()) == (8, b"an older backup")
    assert "already exists" in result.stderr
    before = snapshot(source)
    result = backup_cli(source, source / "inside.ctbackup", env=WIDE)
    assert result.returncode == 8
    assert "inside the case folder" in result.stderr
    assert snapshot(source) == before


@pytest.mark.parametrize("point", ["backup-db-copied:1", "backup-before-rename:1"])
def test_g44_a_killed_backup_leaves_nothing_at_out_and_the_case_unchanged(
    source: Path, tmp_path: Path, point: str
) -> None:
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    out = out_dir / "case.ctbackup"
    before = case_files(source)
    result = backup_cli(source, out, env={"CASETRAIL_CRASH_AT": point})
    assert result.returncode == -9, result.stderr
    assert not out.exists()
    leftovers = list(out_dir.iterdir())
    assert all(p.name.startswith(".case.ctbackup.part-") for p in leftovers)
    assert files_containing(out_dir, CANARY) == []
    assert case_files(source) == before
    with Case.open(source, PASSPHRASE) as case:
        assert verify_case(case).ok
    again = backup_cli(source, out)  # the next backup tidies what the killed one left
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["case.ctbackup"]
