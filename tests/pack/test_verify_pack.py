"""G-13: anyone can check a pack without the passphrase, and every kind of change is found."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from casetrail.pack.bundle import write_pack
from casetrail.pack.verify import verify_pack
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from tests.helpers import android_lines, run_cli, write_chat


@pytest.fixture
def pack(new_case: Case, tmp_path: Path) -> tuple[Path, str]:
    import_file(new_case, write_chat(tmp_path / "one.txt", android_lines(12)))
    import_file(new_case, write_chat(tmp_path / "two.txt", android_lines(8, step_minutes=11)))
    folder, result = write_pack(new_case, tmp_path / "pack", pdf=False)
    return folder, result.fingerprint


def flip_byte(folder: Path) -> None:
    target = folder / "exhibits" / "RH-2.txt"
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01
    target.write_bytes(bytes(data))


def remove_exhibit(folder: Path) -> None:
    (folder / "exhibits" / "RH-1.txt").unlink()


def add_file(folder: Path) -> None:
    (folder / "exhibits" / "RH-9.txt").write_text("planted", encoding="utf-8")


def edit_manifest_and_exhibit(folder: Path) -> None:
    """The careful forger: change an exhibit and put its new hash in the manifest."""
    import hashlib

    target = folder / "exhibits" / "RH-1.txt"
    target.write_bytes(target.read_bytes().replace(b"Casey", b"Cosey"))
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    manifest["exhibits"][0]["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def edit_report(folder: Path) -> None:
    report = folder / "report.html"
    report.write_text(
        report.read_text("utf-8").replace('data-ref="RH/2"', 'data-ref="RH/X"'), encoding="utf-8"
    )


def change_events(folder: Path) -> None:
    with (folder / "events.csv").open("a", encoding="utf-8") as handle:
        handle.write("999,x,,,,,,,,an event added later,,,,,,\r\n")


MUTATIONS: list[tuple[Callable[[Path], None], list[str]]] = [
    (flip_byte, ["exhibits/RH-2.txt: changed (exhibit RH/2 does not match its SHA-256)"]),
    (remove_exhibit, ["exhibits/RH-1.txt: missing (exhibit RH/1)"]),
    (add_file, ["exhibits/RH-9.txt: not in the manifest (added)"]),
    (
        edit_manifest_and_exhibit,
        [
            "manifest.json: its fingerprint is not the one given (it was edited or replaced)",
            "report.html: names a different SHA-256 for exhibit RH/1",
        ],
    ),
    (
        edit_report,
        [
            "report.html: changed (does not match its SHA-256)",
            "report.html: exhibit RH/2 is not in its schedule",
        ],
    ),
    (change_events, ["events.csv: changed (does not match its SHA-256)"]),
]


def test_g13_an_untouched_pack_verifies_as_a_folder_and_as_its_zip(pack: tuple[Path, str]) -> None:
    folder, fingerprint = pack
    for target in (folder, folder.with_name("pack.zip")):
        found = verify_pack(target, expect=fingerprint)
        assert found.ok and found.problems == [] and found.manifest_sha256 == fingerprint
        assert (found.exhibits_checked, found.files_checked) == (2, 4)


@pytest.mark.parametrize(("mutate", "problems"), MUTATIONS, ids=[m.__name__ for m, _ in MUTATIONS])
def test_g13_each_change_to_a_pack_is_found_exactly(
    pack: tuple[Path, str], mutate: Callable[[Path], None], problems: list[str], tmp_path: Path
) -> None:
    folder, fingerprint = pack
    mutate(folder)
    found = verify_pack(folder, expect=fingerprint)
    assert found.problems == problems and not found.ok
    zipped = tmp_path / "changed.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"pack/{path.relative_to(folder).as_posix()}")
    assert verify_pack(zipped, expect=fingerprint).problems == problems


def test_g13_the_command_needs_no_case_passphrase_and_exits_non_zero_on_a_change(
    pack: tuple[Path, str],
) -> None:
    folder, fingerprint = pack
    done = run_cli("verify-pack", str(folder), "--expect", fingerprint, "--json", passphrase=None)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True
    flip_byte(folder)
    bad = run_cli("verify-pack", str(folder), passphrase=None)
    assert bad.returncode == 3 and "does NOT match" in bad.stdout and "RH-2.txt" in bad.stdout


def test_an_age_pack_opens_with_the_standard_age_tool(new_case: Case, tmp_path: Path) -> None:
    if shutil.which("age") is None or shutil.which("age-keygen") is None:
        pytest.fail("the age tool is missing: scripts/install.sh installs it (apt-get install age)")
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(6)))
    root = str(new_case.layout.root)
    new_case.close()
    key = tmp_path / "officer.key"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    public = next(line.split(": ")[1] for line in key.read_text().splitlines() if "public key" in line)
    out = tmp_path / "for-the-officer.zip.age"
    made = run_cli("pack", "--out", str(out), "--recipient", public, "--case", root, "--json")
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert result["encrypted"] == str(out) and result["encrypted_with"] == "age"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "case",
        "chat.txt",
        "for-the-officer.zip.age",
        "officer.key",
    ]
    opened = tmp_path / "opened.zip"
    subprocess.run(["age", "-d", "-i", str(key), "-o", str(opened), str(out)], check=True)
    with zipfile.ZipFile(opened) as archive:
        assert "pack/manifest.json" in archive.namelist()
    checked = run_cli("verify-pack", str(out), "--identity", str(key), "--expect", result["manifest_sha256"])
    assert checked.returncode == 0 and "matches its manifest" in checked.stdout
    wrong = tmp_path / "other.key"
    subprocess.run(["age-keygen", "-o", str(wrong)], check=True, capture_output=True)
    refused = run_cli("verify-pack", str(out), "--identity", str(wrong))
    assert refused.returncode != 0 and "could not be decrypted" in refused.stderr


def test_a_pack_with_a_passphrase_round_trips(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(6)))
    root = str(new_case.layout.root)
    new_case.close()
    out = tmp_path / "pack.zip.age"
    secret = {"CASETRAIL_PACK_PASSPHRASE": "a long pack passphrase"}
    assert run_cli("pack", "--out", str(out), "--case", root, env=secret).returncode == 0
    assert out.read_bytes().startswith(b"age-encryption.org/v1")
    assert run_cli("verify-pack", str(out), env=secret, passphrase=None).returncode == 0
    wrong = run_cli("verify-pack", str(out), env={"CASETRAIL_PACK_PASSPHRASE": "not it"}, passphrase=None)
    assert wrong.returncode != 0 and "could not be decrypted" in wrong.stderr
    again = run_cli("pack", "--out", str(out), "--case", root, env=secret)
    assert again.returncode != 0 and "already exists" in again.stderr


def test_a_plain_pack_says_plainly_that_it_is_unprotected(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(6)))
    root = str(new_case.layout.root)
    new_case.close()
    made = run_cli(
        "pack", "--out", str(tmp_path / "plain"), "--no-encrypt", "--case", root, env={"COLUMNS": "200"}
    )
    assert made.returncode == 0 and "NOT encrypted" in made.stdout
    assert (tmp_path / "plain" / "manifest.json").is_file() and (tmp_path / "plain.zip").is_file()


def test_a_pack_from_someone_else_cannot_point_verify_pack_outside_it(
    pack: tuple[Path, str], tmp_path: Path
) -> None:
    folder, _fingerprint = pack
    secret = tmp_path / "outside.txt"
    secret.write_text("not part of the pack", encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    manifest["exhibits"][0]["file"] = "../outside.txt"
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "exhibits" / "link.txt").symlink_to(secret)
    found = verify_pack(folder)
    assert found.problems == [
        "../outside.txt: points outside the pack (exhibit RH/1); it was not read",
        "exhibits/RH-1.txt: not in the manifest (added)",
    ]
