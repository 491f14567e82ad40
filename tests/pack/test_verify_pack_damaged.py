"""G-13 on damaged input: whatever state a pack arrives in, verify-pack says plainly what is wrong.

A pack travels by e-mail, USB stick and file shares, and can come from someone who changed it. Each
damage below must give either a list of problems (exit 3) or one clear message (exit 1): never a
traceback, never the "unexpected problem" of a crash, and never a read outside the pack.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
import pytest

from casetrail.crypto import kdf
from casetrail.pack import age_files
from casetrail.pack.bundle import write_pack
from casetrail.pack.verify import verify_pack
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, run_cli, write_chat

PACK_SECRET = "a long pack passphrase for the officer"
FINGERPRINT_CHANGED = "manifest.json: its fingerprint is not the one given (it was edited or replaced)"


@dataclass(frozen=True)
class Pristine:
    folder: Path
    zip: Path
    fingerprint: str
    key: str  # an officer's age private key
    recipient: str


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Pristine:
    root = tmp_path_factory.mktemp("pristine")
    previous = kdf.default_params()
    kdf.set_default_params(kdf.KdfParams(memory_kib=64, iterations=1, parallelism=1))
    try:
        with Case.create(root / "case", PASSPHRASE, Producer("Robin Hale", "RH")) as case:
            import_file(case, write_chat(root / "one.txt", android_lines(12)))
            import_file(case, write_chat(root / "two.txt", android_lines(8, step_minutes=11)))
            folder, result = write_pack(case, root / "pack", pdf=False)
    finally:
        kdf.set_default_params(previous)
    identity = pyrage.x25519.Identity.generate()
    assert result.zip_path is not None
    return Pristine(folder, result.zip_path, result.fingerprint, str(identity), str(identity.to_public()))


@pytest.fixture
def folder(pristine: Pristine, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine.folder, tmp_path / "pack"))


def verify_cli(target: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run `casetrail verify-pack` as an officer would; its exit code and everything it printed."""
    done = run_cli("verify-pack", str(target), *args, passphrase=None, env={"COLUMNS": "300", **(env or {})})
    assert "Traceback" not in done.stderr and "unexpected problem" not in done.stderr, done.stderr
    return done.returncode, " ".join((done.stdout + done.stderr).split())


def verify_json(target: Path) -> tuple[int, list[str]]:
    """`casetrail verify-pack --json`: its exit code and the problems it lists."""
    done = run_cli("verify-pack", str(target), "--json", passphrase=None)
    assert done.stderr == "", done.stderr
    return done.returncode, list(json.loads(done.stdout)["problems"])


def member_data_offset(archive: Path, name: str) -> int:
    """Where a member's (compressed) bytes start: after its local header, whose lengths are read."""
    with zipfile.ZipFile(archive) as opened:
        info = opened.getinfo(name)
    with archive.open("rb") as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return int(info.header_offset + 30 + name_length + extra_length)


def flip_in_zip(source: Path, target: Path, member: str) -> Path:
    data = bytearray(source.read_bytes())
    data[member_data_offset(source, member) + 8] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


Manifest = dict[str, Any]


def edit_manifest(folder: Path, change: Callable[[Manifest], object]) -> Path:
    """Replace manifest.json with what ``change`` makes of it (any JSON value)."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    (folder / "manifest.json").write_text(json.dumps(change(manifest)), encoding="utf-8")
    return folder


def without(manifest: Manifest, key: str) -> Manifest:
    return {name: value for name, value in manifest.items() if name != key}


def with_first_exhibit(manifest: Manifest, **changes: object) -> Manifest:
    """The manifest with its first exhibit entry changed (a value of None removes the key)."""
    first = {**manifest["exhibits"][0], **changes}
    first = {name: value for name, value in first.items() if value is not None}
    return {**manifest, "exhibits": [first, *manifest["exhibits"][1:]]}


# -- a changed byte in any exhibit, a removed exhibit, an edited manifest --------------------------


@pytest.mark.parametrize("exhibit", ["RH-1.txt", "RH-2.txt"])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_g13_a_changed_byte_anywhere_in_any_exhibit_is_found(
    pristine: Pristine, folder: Path, exhibit: str, where: str
) -> None:
    target = folder / "exhibits" / exhibit
    data = bytearray(target.read_bytes())
    data[{"first": 0, "middle": len(data) // 2, "last": len(data) - 1}[where]] ^= 0x20
    target.write_bytes(bytes(data))
    ref = exhibit.removesuffix(".txt").replace("-", "/")
    assert verify_pack(folder, expect=pristine.fingerprint).problems == [
        f"exhibits/{exhibit}: changed (exhibit {ref} does not match its SHA-256)"
    ]


def test_g13_an_exhibit_removed_from_the_zip_is_found(pristine: Pristine, tmp_path: Path) -> None:
    smaller = tmp_path / "pack.zip"
    with zipfile.ZipFile(pristine.zip) as source, zipfile.ZipFile(smaller, "w") as target:
        for info in source.infolist():
            if info.filename != "pack/exhibits/RH-2.txt":
                target.writestr(info, source.read(info))
    assert verify_pack(smaller, expect=pristine.fingerprint).problems == [
        "exhibits/RH-2.txt: missing (exhibit RH/2)"
    ]
    code, said = verify_cli(smaller, "--expect", pristine.fingerprint)
    assert code == 3 and "exhibits/RH-2.txt: missing (exhibit RH/2)" in said


EDITS: dict[str, Callable[[bytes], bytes]] = {
    "the date it was made": lambda raw: raw.replace(b'"created_at": "2', b'"created_at": "1', 1),
    "a byte of white space": lambda raw: raw.replace(b"\n", b" \n", 1),
    "the same values laid out again": lambda raw: json.dumps(json.loads(raw)).encode(),
    "an exhibit dropped": lambda raw: json.dumps(
        {**json.loads(raw), "exhibits": json.loads(raw)["exhibits"][:1]}, indent=2
    ).encode(),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_g13_any_edit_to_the_manifest_changes_its_fingerprint(
    pristine: Pristine, folder: Path, edit: str
) -> None:
    path = folder / "manifest.json"
    raw = path.read_bytes()
    path.write_bytes(EDITS[edit](raw))
    assert path.read_bytes() != raw
    problems = verify_pack(folder, expect=pristine.fingerprint).problems
    assert problems[0] == FINGERPRINT_CHANGED
    if edit == "an exhibit dropped":  # its file is then one the manifest does not list
        assert problems[1:] == ["exhibits/RH-2.txt: not in the manifest (added)"]
    else:
        assert problems == [FINGERPRINT_CHANGED]
    code, said = verify_cli(folder, "--expect", pristine.fingerprint)
    assert code == 3 and FINGERPRINT_CHANGED in said


def test_g13_a_rehashed_exhibit_in_an_edited_manifest_is_found_without_the_fingerprint(folder: Path) -> None:
    """Without the noted fingerprint, the report's schedule still holds the original hash."""
    target = folder / "exhibits" / "RH-1.txt"
    target.write_bytes(target.read_bytes().replace(b"Casey", b"Cosey"))
    new_hash = hashlib.sha256(target.read_bytes()).hexdigest()
    edit_manifest(folder, lambda manifest: with_first_exhibit(manifest, sha256=new_hash))
    assert verify_pack(folder).problems == ["report.html: names a different SHA-256 for exhibit RH/1"]


# -- damaged zips -----------------------------------------------------------------------------------


def test_a_truncated_zip_is_a_clear_error(pristine: Pristine, tmp_path: Path) -> None:
    cut = tmp_path / "pack.zip"
    cut.write_bytes(pristine.zip.read_bytes()[: pristine.zip.stat().st_size * 6 // 10])
    code, said = verify_cli(cut)
    assert (
        code == 1 and "pack.zip is a damaged zip (cut short or changed): it cannot be read as a pack." in said
    )


def test_a_changed_byte_inside_the_zip_names_the_exhibit(pristine: Pristine, tmp_path: Path) -> None:
    damaged = flip_in_zip(pristine.zip, tmp_path / "pack.zip", "pack/exhibits/RH-1.txt")
    assert verify_pack(damaged).problems == [
        "exhibits/RH-1.txt: damaged in the zip, it cannot be read (exhibit RH/1)"
    ]
    code, said = verify_cli(damaged)
    assert code == 3 and "exhibits/RH-1.txt: damaged in the zip, it cannot be read (exhibit RH/1)" in said


def test_a_damaged_manifest_inside_the_zip_is_a_clear_error(pristine: Pristine, tmp_path: Path) -> None:
    damaged = flip_in_zip(pristine.zip, tmp_path / "pack.zip", "pack/manifest.json")
    code, said = verify_cli(damaged)
    assert code == 1 and "manifest.json: cannot be read from the zip (the zip is damaged there)" in said


@pytest.mark.parametrize("content", [b"", b"not a zip at all\n", bytes(range(256)) * 8])
def test_a_file_that_is_not_a_zip_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    fake = tmp_path / "pack.zip"
    fake.write_bytes(content)
    code, said = verify_cli(fake)
    assert code == 1 and "pack.zip is not a pack folder, a pack zip or an age-encrypted pack." in said


def test_a_zip_without_a_manifest_is_a_clear_error(tmp_path: Path) -> None:
    other = tmp_path / "holiday.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("photos/beach.txt", "not a pack")
    code, said = verify_cli(other)
    assert code == 1 and "This is not a casetrail pack: it has no manifest.json." in said


# -- damaged manifests ------------------------------------------------------------------------------

INCOMPLETE = "manifest.json: exhibit entry 1 is not complete (it needs a file, a size and a SHA-256)"
NO_EXHIBITS = 'manifest.json: it has no list of exhibits ("exhibits" is missing or not a list)'
MANIFEST_DAMAGE: dict[str, tuple[Callable[[Manifest], object], list[str]]] = {
    "not JSON": (lambda m: None, ["manifest.json: not valid JSON"]),
    "a list": (lambda m: [m], ["manifest.json: not a casetrail pack manifest"]),
    "a string": (lambda m: "casetrail-pack", ["manifest.json: not a casetrail pack manifest"]),
    "no exhibits": (lambda m: without(m, "exhibits"), [NO_EXHIBITS]),
    "exhibits not a list": (lambda m: {**m, "exhibits": {"RH/1": "x"}}, [NO_EXHIBITS]),
    "an exhibit that is not an object": (lambda m: {**m, "exhibits": ["RH/1", *m["exhibits"]]}, [INCOMPLETE]),
    "a size that is not a number": (lambda m: with_first_exhibit(m, size="952"), [INCOMPLETE]),
    "a negative size": (lambda m: with_first_exhibit(m, size=-1), [INCOMPLETE]),
    "a size that is true": (lambda m: with_first_exhibit(m, size=True), [INCOMPLETE]),
    "no file name": (lambda m: with_first_exhibit(m, file=None), [INCOMPLETE]),
    "no hash": (lambda m: with_first_exhibit(m, sha256=None), [INCOMPLETE]),
    "files not an object": (
        lambda m: {**m, "files": ["events.csv"]},
        ['manifest.json: its list of files ("files") is not readable'],
    ),
    "audit not an object": (
        lambda m: {**m, "audit": "none"},
        ['manifest.json: its audit record ("audit") is not readable'],
    ),
}


@pytest.mark.parametrize("damage", list(MANIFEST_DAMAGE))
def test_a_damaged_manifest_is_a_clear_problem(folder: Path, damage: str) -> None:
    change, problems = MANIFEST_DAMAGE[damage]
    if damage == "not JSON":
        (folder / "manifest.json").write_bytes(b'{"format": "casetrail-pack", "exhibits": [')
    else:
        edit_manifest(folder, change)
    assert verify_pack(folder).problems == problems
    assert verify_json(folder) == (3, problems)


@pytest.mark.parametrize(
    "outside",
    [
        "../outside.txt",
        "exhibits/../../outside.txt",
        "/etc/hostname",
        "C:/Windows/win.ini",
        "..\\outside.txt",
    ],
)
def test_an_exhibit_pointing_outside_the_pack_is_never_read(
    folder: Path, tmp_path: Path, outside: str
) -> None:
    (tmp_path / "outside.txt").write_text("the victim's own notes, not part of the pack", encoding="utf-8")
    edit_manifest(folder, lambda m: with_first_exhibit(m, file=outside))
    problems = [
        f"{outside}: points outside the pack (exhibit RH/1); it was not read",
        "exhibits/RH-1.txt: not in the manifest (added)",
    ]
    assert verify_pack(folder).problems == problems
    code, said = verify_cli(folder)
    assert code == 3 and f"{outside}: points outside the pack (exhibit RH/1); it was not read" in said


def test_a_listed_file_pointing_outside_the_pack_is_never_read(folder: Path) -> None:
    def point_outside(manifest: Manifest) -> Manifest:
        files = dict(manifest["files"])
        files["../../../etc/hostname"] = files.pop("events.csv")
        return {**manifest, "files": files}

    edit_manifest(folder, point_outside)
    assert verify_pack(folder).problems == [
        "../../../etc/hostname: points outside the pack; it was not read",
        "events.csv: not in the manifest (added)",
    ]


# -- encrypted packs --------------------------------------------------------------------------------


def encrypted(pristine: Pristine, tmp_path: Path, *, passphrase: str | None = None) -> Path:
    out = tmp_path / "pack.zip.age"
    if passphrase:
        age_files.encrypt(pristine.zip, out, passphrase=passphrase)
    else:
        age_files.encrypt(pristine.zip, out, recipients=[pristine.recipient])
    return out


def key_file(tmp_path: Path, key: str, name: str = "officer.key") -> Path:
    path = tmp_path / name
    path.write_text(f"# created: 2026-01-01\n{key}\n", encoding="utf-8")
    return path


def test_an_encrypted_pack_verifies_with_its_key_and_its_passphrase(
    pristine: Pristine, tmp_path: Path
) -> None:
    """Control for the cases below: the same packs, undamaged, open and match."""
    with_key = encrypted(pristine, tmp_path)
    code, said = verify_cli(with_key, "--identity", str(key_file(tmp_path, pristine.key)))
    assert code == 0 and "The pack matches its manifest" in said
    (tmp_path / "p").mkdir()
    with_secret = encrypted(pristine, tmp_path / "p", passphrase=PACK_SECRET)
    code, said = verify_cli(with_secret, env={"CASETRAIL_PACK_PASSPHRASE": PACK_SECRET})
    assert code == 0 and "The pack matches its manifest" in said


def test_a_garbage_age_file_is_a_clear_error(pristine: Pristine, tmp_path: Path) -> None:
    garbage = tmp_path / "pack.zip.age"
    garbage.write_bytes(b"age-encryption.org/v1\n" + os.urandom(2048))
    code, said = verify_cli(garbage, env={"CASETRAIL_PACK_PASSPHRASE": PACK_SECRET})
    assert code == 1 and "pack.zip.age could not be decrypted with that key or passphrase" in said
    code, said = verify_cli(garbage, "--identity", str(key_file(tmp_path, pristine.key)))
    assert code == 1 and "pack.zip.age could not be decrypted with that key or passphrase" in said


def test_a_truncated_age_file_is_a_clear_error(pristine: Pristine, tmp_path: Path) -> None:
    whole = encrypted(pristine, tmp_path)
    whole.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    code, said = verify_cli(whole, "--identity", str(key_file(tmp_path, pristine.key)))
    assert code == 1 and "pack.zip.age could not be decrypted: it is cut short or damaged." in said


def test_a_wrong_passphrase_is_a_clear_error(pristine: Pristine, tmp_path: Path) -> None:
    pack = encrypted(pristine, tmp_path, passphrase=PACK_SECRET)
    code, said = verify_cli(pack, env={"CASETRAIL_PACK_PASSPHRASE": "not the passphrase"})
    assert code == 1 and "pack.zip.age could not be decrypted with that key or passphrase" in said


def test_a_wrong_identity_is_a_clear_error(pristine: Pristine, tmp_path: Path) -> None:
    pack = encrypted(pristine, tmp_path)
    other = key_file(tmp_path, str(pyrage.x25519.Identity.generate()), "other.key")
    code, said = verify_cli(pack, "--identity", str(other))
    assert code == 1 and "pack.zip.age could not be decrypted with that key or passphrase" in said


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing.key does not exist: give the file holding the age private key."),
        (b"\xff\xfe\x00\x01 not text", "missing.key is not an age private key file (it is not text)."),
        (b"just some notes\n", "missing.key holds no age private key (AGE-SECRET-KEY-"),
        (b"AGE-SECRET-KEY-1NOTAKEY\n", "could not be decrypted with that key or passphrase"),
    ],
    ids=["missing", "not text", "no key", "not a key"],
)
def test_an_unusable_key_file_is_a_clear_error(
    pristine: Pristine, tmp_path: Path, content: bytes | None, message: str
) -> None:
    pack = encrypted(pristine, tmp_path)
    key = tmp_path / "missing.key"
    if content is not None:
        key.write_bytes(content)
    code, said = verify_cli(pack, "--identity", str(key))
    assert code == 1 and message in said


def test_an_age_file_holding_something_else_is_a_clear_error(tmp_path: Path) -> None:
    plain = tmp_path / "letter.txt"
    plain.write_text("not a pack", encoding="utf-8")
    out = tmp_path / "letter.age"
    age_files.encrypt(plain, out, passphrase=PACK_SECRET)
    code, said = verify_cli(out, env={"CASETRAIL_PACK_PASSPHRASE": PACK_SECRET})
    assert code == 1 and "letter.age was decrypted, but what it holds is not a pack zip." in said
