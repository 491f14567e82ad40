"""G-05: changing the passphrase re-wraps the same data key; the old passphrase stops working."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from casetrail.crypto import kdf
from casetrail.crypto.kdf import derive_key
from casetrail.errors import WrongPassphrase
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.rekey import stronger_params
from casetrail.store.verify import verify_case
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, files_containing, make_zip, run_cli, snapshot, write_chat

NEW = "Canary-new-passphrase-Ж-5521"


def key_forms(key: bytes) -> list[bytes]:
    """Raw bytes, hex (both cases) and base64 (standard and URL-safe) of a key."""
    return [
        key,
        key.hex().encode(),
        key.hex().upper().encode(),
        base64.b64encode(key),
        base64.urlsafe_b64encode(key),
        base64.b64encode(key).rstrip(b"="),
    ]


def files_holding_bytes(folder: Path, key: bytes) -> list[str]:
    forms = key_forms(key)
    return [str(p) for p in folder.rglob("*") if p.is_file() and any(f in p.read_bytes() for f in forms)]


def change(
    root: Path, *extra: str, old: str = PASSPHRASE, new: str = NEW
) -> subprocess.CompletedProcess[str]:
    """`passphrase change` as a script runs it: both passphrases from the environment."""
    env = {"CASETRAIL_NEW_PASSPHRASE": new}
    return run_cli("passphrase", "change", "--case", str(root), *extra, passphrase=old, env=env)


def filled_case(case: Case, tmp_path: Path) -> Path:
    import_file(case, write_chat(tmp_path / "chat.txt", android_lines(20)))
    photo = ("IMG-1.jpg", b"\xff\xd8\xff" + b"photo" * 50)
    chat = "[07/01/2025, 10:01:00] Casey Marsh: \u200e<attached: IMG-1.jpg>\r\n".encode()
    import_file(case, make_zip(tmp_path / "media.zip", [("_chat.txt", chat), photo]))
    case.close()
    return case.layout.root


def test_g05_the_new_passphrase_unwraps_the_same_data_key_and_the_old_one_changes_nothing(
    new_case: Case, tmp_path: Path
) -> None:
    data_key = new_case.keys.data_key
    root = filled_case(new_case, tmp_path)
    result = change(root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "Passphrase changed. From now on, open this case with the new passphrase."
    )
    with Case.open(root, NEW) as reopened:
        assert reopened.keys.data_key == data_key
        report = verify_case(reopened)
        assert report.ok
        assert "4 of 4 exhibits match their recorded SHA-256" in [c.detail for c in report.checks]
        with reopened.reader.connect() as conn:
            assert [e.action for e in reopened.audit.entries(conn)][-1] == "key wrapping changed"
    before = snapshot(root)
    with pytest.raises(WrongPassphrase):
        Case.open(root, PASSPHRASE)
    for args in (["verify"], ["passphrase", "change"]):
        old = run_cli(*args, "--case", str(root), env={"CASETRAIL_NEW_PASSPHRASE": "another one 123"})
        assert old.returncode == WrongPassphrase.exit_code == 4, args
        assert "That passphrase does not unlock this case. Nothing was changed." in old.stderr
    assert snapshot(root) == before
    assert run_cli("verify", "--case", str(root), passphrase=NEW).returncode == 0


def test_g05_the_data_key_and_the_key_wrapping_key_are_never_written_down(
    new_case: Case, tmp_path: Path
) -> None:
    data_key, database_key = new_case.keys.data_key, new_case.keys.database
    root = filled_case(new_case, tmp_path)
    assert change(root, "--json").returncode == 0
    header = json.loads((root / "case.json").read_text())
    salt = base64.b64decode(header["kdf"]["salt"])
    wrapping_key = derive_key(NEW, salt, kdf.KdfParams.from_dict(header["kdf"]))
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "key.txt").write_bytes(b"x" + base64.b64encode(data_key) + b"x")
    assert files_holding_bytes(probe, data_key) == [str(probe / "key.txt")]  # the scan finds a key
    for key in (data_key, database_key, wrapping_key):
        assert files_holding_bytes(root, key) == []


def test_g05_the_new_passphrase_never_appears_in_output_or_in_the_case(
    new_case: Case, tmp_path: Path
) -> None:
    root = filled_case(new_case, tmp_path)
    outputs = []
    for extra in ([], ["--json"]):
        result = change(root, *extra, old=PASSPHRASE if not extra else NEW)
        assert result.returncode == 0, result.stderr
        outputs += [result.stdout, result.stderr]
    as_json = json.loads(outputs[2])
    assert as_json == {"case": str(root), "passphrase_changed": True, "kdf": kdf.default_params().to_dict()}
    for args in (["verify"], ["exhibits"], ["timeline"]):
        result = run_cli(*args, "--case", str(root), passphrase=NEW, env={"CASETRAIL_DEBUG": "1"})
        outputs += [result.stdout, result.stderr]
    assert [out for out in outputs if NEW in out] == []
    assert files_containing(root, NEW) == []


def test_g05_passphrase_change_offers_no_option_taking_a_passphrase() -> None:
    from typer.main import get_command

    from casetrail.cli.app import app

    change_cmd = get_command(app).commands["passphrase"].commands["change"]  # type: ignore[attr-defined]
    params = change_cmd.params
    assert [(p.name, p.opts) for p in params] == [
        ("case", ["--case"]),
        ("as_json", ["--json"]),
        ("stronger", ["--stronger"]),
    ]
    assert [p.name for p in params if not getattr(p, "is_flag", False)] == ["case"]  # the only value: a path
    refused = run_cli("passphrase", "change", "--case", ".", "--new-passphrase", NEW)
    assert refused.returncode == 2
    assert "No such option: --new-passphrase" in refused.stderr


def test_g05_a_short_or_missing_new_passphrase_is_refused_and_changes_nothing(
    new_case: Case, tmp_path: Path
) -> None:
    root = filled_case(new_case, tmp_path)
    before = snapshot(root)
    short = change(root, new="seven77")
    assert short.returncode == 1
    assert "at least 8 characters" in short.stderr and "Nothing was changed." in short.stderr
    missing = run_cli("passphrase", "change", "--case", str(root))
    assert missing.returncode == 1
    assert "No new passphrase: run this in a terminal" in missing.stderr
    assert snapshot(root) == before


def test_g05_stronger_raises_the_parameters_to_production_and_never_lowers_them(
    new_case: Case, tmp_path: Path
) -> None:
    root = filled_case(new_case, tmp_path)
    assert new_case.header.kdf.memory_kib < kdf.PRODUCTION.memory_kib
    result = change(root, "--stronger", "--json", new=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kdf"] == kdf.PRODUCTION.to_dict()
    assert json.loads((root / "case.json").read_text())["kdf"]["memory_kib"] == 256 * 1024
    higher = kdf.KdfParams(memory_kib=512 * 1024, iterations=2, parallelism=4)
    assert stronger_params(higher) == kdf.KdfParams(memory_kib=512 * 1024, iterations=3, parallelism=4)


def test_g05_at_a_terminal_the_new_passphrase_is_asked_twice_without_echo(
    new_case: Case, tmp_path: Path
) -> None:
    from tests.cli.test_log_interactive import Terminal

    root = filled_case(new_case, tmp_path)
    term = Terminal("passphrase", "change", "--case", str(root))
    term.expect("Case passphrase")
    term.type_secret(PASSPHRASE)
    term.expect("New passphrase")
    term.type_secret(NEW)
    term.expect("Repeat for confirmation")
    term.type_secret(NEW)
    term.expect("Passphrase changed.")
    assert term.finish() == 0
    assert NEW.encode() not in term.screen
    with Case.open(root, NEW) as reopened:
        assert verify_case(reopened).ok
