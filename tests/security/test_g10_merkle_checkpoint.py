"""G-10: the checkpoint in case.json holds the audit log's Merkle root, and a case can be checked
against an earlier pack's record of its log (``casetrail verify --pack``).

Tampering goes through a raw connection, as someone holding the key could do; each case asserts the
exact entry verify names.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from pathlib import Path
from typing import Any

import pyrage
import pytest
from sqlalchemy import select, text, update

from casetrail.pack import age_files
from casetrail.pack.bundle import write_pack
from casetrail.pack.verify import read_pack_audit
from casetrail.store.audit_log import canonical, leaf_hash
from casetrail.store.case import Case
from casetrail.store.header import Checkpoint, read_header, write_header
from casetrail.store.importing import import_file
from casetrail.store.merkle import EMPTY_ROOT, MerkleTree, merkle_root
from casetrail.store.tables import audit_log
from casetrail.store.verify import EarlierPack, verify_case
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, run_cli, write_chat


def failing(case: Case, earlier: EarlierPack | None = None) -> list[tuple[str, str | None, str]]:
    return [(c.name, c.subject, c.detail) for c in verify_case(case, earlier=earlier).checks if not c.ok]


def hashes_of(case: Case) -> list[str]:
    with case.reader.connect() as conn:
        return [
            str(h) for h in conn.execute(select(audit_log.c.entry_hash).order_by(audit_log.c.seq)).scalars()
        ]


def raw(case: Case, *statements: str) -> None:
    """Test-only raw access to the database, as a tamperer holding the key would have."""
    with case.writer.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


STEPS = {"one": 7, "two": 11, "three": 13, "four": 17}  # a different chat each: two audit entries


def grow(case: Case, folder: Path, name: str) -> None:
    import_file(case, write_chat(folder / f"{name}.txt", android_lines(4, step_minutes=STEPS[name])))


@pytest.fixture
def logged(new_case: Case, tmp_path: Path) -> Case:
    """A case with a few imports: an audit log of seven entries."""
    for name in ("one", "two", "three"):
        grow(new_case, tmp_path, name)
    assert len(hashes_of(new_case)) == 7
    return new_case


def verify_cli(case: Case, *extra: str) -> tuple[int, dict[str, Any]]:
    done = run_cli("verify", "--case", str(case.layout.root), "--json", *extra)
    return done.returncode, json.loads(done.stdout) if done.stdout else {"stderr": done.stderr}


def bad_checks(result: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(c["check"], c["subject"]) for c in result["checks"] if not c["ok"]]


# -- the Merkle root ----------------------------------------------------------------------------


def _reference_root(hashes: list[str]) -> bytes:
    """RFC 6962 §2.1 written out directly: split at the largest power of two below n."""
    if len(hashes) == 1:
        return hashlib.sha256(b"\x00" + bytes.fromhex(hashes[0])).digest()
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + _reference_root(hashes[:k]) + _reference_root(hashes[k:])).digest()


def test_g10_the_running_root_is_the_rfc_6962_tree_hash_at_every_size() -> None:
    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(70)]
    tree = MerkleTree()
    assert tree.root() == EMPTY_ROOT == merkle_root([])
    for size, entry in enumerate(hashes, start=1):
        tree.add(entry)
        assert (tree.size, tree.root()) == (size, _reference_root(hashes[:size]).hex())
    assert merkle_root(hashes) == _reference_root(hashes).hex()


def test_g10_the_header_checkpoint_holds_the_root_of_the_log(logged: Case) -> None:
    hashes = hashes_of(logged)
    stored = json.loads(logged.layout.header.read_text("utf-8"))["checkpoint"]
    assert (stored["size"], stored["head"], stored["root"]) == (7, hashes[-1], merkle_root(hashes))
    checkpoint = read_header(logged.layout).checkpoint
    assert checkpoint is not None and logged.audit.authentic(checkpoint)
    with logged.reader.connect() as conn:
        assert logged.audit.current_checkpoint(conn) == checkpoint
        assert logged.audit.checkpoint_at(conn, 3) == logged.audit.checkpoint(
            3, hashes[2], merkle_root(hashes[:3])
        )
    # The MAC covers the root: the same size and head with another root is not authentic.
    assert not logged.audit.authentic(Checkpoint(7, hashes[-1], stored["mac"], merkle_root(hashes[:6])))
    assert failing(logged) == []


# -- one case per mutation ----------------------------------------------------------------------

MUTATIONS = {
    "edit": (["UPDATE audit_log SET action = 'events deleted' WHERE seq = 4"], 4),
    "insert": (
        [
            "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3",
            "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 103",
            "INSERT INTO audit_log SELECT 3, at, action, actor_enc, details_enc, prev_hash, entry_hash"
            " FROM audit_log WHERE seq = 2",
        ],
        3,
    ),
    "delete": (["DELETE FROM audit_log WHERE seq = 5"], 5),
    "reorder": (
        [
            "UPDATE audit_log SET seq = -1 WHERE seq = 2",
            "UPDATE audit_log SET seq = 2 WHERE seq = 3",
            "UPDATE audit_log SET seq = 3 WHERE seq = -1",
        ],
        2,
    ),
    "truncate-tail": (["DELETE FROM audit_log WHERE seq >= 6"], 6),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_g10_verify_exits_non_zero_naming_the_first_bad_entry(logged: Case, mutation: str) -> None:
    statements, first_bad = MUTATIONS[mutation]
    raw(logged, *statements)
    assert [(name, subject) for name, subject, _ in failing(logged)] == [("audit log", f"entry {first_bad}")]
    code, result = verify_cli(logged)
    assert code == 2 and result["ok"] is False
    assert bad_checks(result) == [("audit log", f"entry {first_bad}")]


def test_g10_a_root_that_does_not_match_the_log_is_reported(logged: Case) -> None:
    hashes = hashes_of(logged)
    forged = logged.audit.checkpoint(7, hashes[-1], merkle_root(list(reversed(hashes))))
    write_header(logged.layout, read_header(logged.layout).with_checkpoint(forged))
    logged.header = read_header(logged.layout)
    assert failing(logged) == [
        ("audit log", "entry 7", "the first 7 entries do not give the Merkle root recorded in case.json")
    ]


def test_g10_a_cut_log_is_not_covered_by_the_next_checkpoint(logged: Case, tmp_path: Path) -> None:
    before = read_header(logged.layout).checkpoint
    raw(logged, "DELETE FROM audit_log WHERE seq = 7")
    grow(logged, tmp_path, "four")  # the log grows past 7 again, with another entry 7
    assert len(hashes_of(logged)) == 8
    assert read_header(logged.layout).checkpoint == before
    assert failing(logged) == [("audit log", "entry 7", "entry does not match the recorded checkpoint")]


# -- against an earlier pack --------------------------------------------------------------------


def test_g10_truncation_is_caught_against_the_header_and_an_earlier_pack(
    logged: Case, tmp_path: Path
) -> None:
    folder, _ = write_pack(logged, tmp_path / "p1", pdf=False)
    recorded = read_pack_audit(folder)
    assert (recorded.size, recorded.entries, recorded.problems) == (7, hashes_of(logged)[:7], [])
    assert len(hashes_of(logged)) == 8  # and the case recorded the pack itself
    raw(logged, "DELETE FROM audit_log WHERE seq >= 5")
    code, result = verify_cli(logged, "--pack", str(folder))
    assert code == 2
    assert bad_checks(result) == [("audit log", "entry 5"), ("earlier pack", "entry 5")]
    [pack_check] = [c for c in result["checks"] if c["check"] == "earlier pack"]
    assert pack_check["detail"] == (
        "the case's audit log no longer holds entry 5 that pack p1 recorded "
        "(the case has only 4 entries: it was cut short or put back to an older copy)"
    )
    assert result["pack"] == {
        "path": str(folder),
        "manifest_sha256": recorded.manifest_sha256,
        "entries": 7,
        "merkle_root": merkle_root(recorded.entries),
        "ok": False,
    }


def test_g10_a_case_put_back_to_an_older_copy_is_caught_only_against_a_pack(
    logged: Case, tmp_path: Path
) -> None:
    root = logged.layout.root
    logged.close()
    shutil.copytree(root, tmp_path / "older-copy")
    with Case.open(root, PASSPHRASE) as case:
        grow(case, tmp_path, "four")
        folder, _ = write_pack(case, tmp_path / "p2", pdf=False)
    shutil.rmtree(root)
    shutil.copytree(tmp_path / "older-copy", root)
    with Case.open(root, PASSPHRASE) as case:
        assert failing(case) == []  # on its own, an older copy is a consistent case
        code, result = verify_cli(case, "--pack", str(folder.with_name("p2.zip")))
    assert code == 2 and bad_checks(result) == [("earlier pack", "entry 8")]
    assert result["pack"]["entries"] == 9 and result["pack"]["ok"] is False


def _rewrite_history(case: Case, seq: int) -> None:
    """The key-holder's attack: change entry ``seq``, recompute the chain after it and the header."""
    with case.writer.begin() as conn:
        entries = list(case.audit.entries(conn))
        prev = entries[seq - 2].entry_hash if seq > 1 else "0" * 64
        for entry in entries[seq - 1 :]:
            at = "2020-01-01T00:00:00.000000Z" if entry.seq == seq else entry.at
            new_hash = leaf_hash(prev, canonical(entry.seq, at, entry.action, entry.actor, entry.details))
            values = {"at": at, "prev_hash": prev, "entry_hash": new_hash}
            conn.execute(update(audit_log).where(audit_log.c.seq == entry.seq).values(**values))
            prev = new_hash
        checkpoint = case.audit.current_checkpoint(conn)
    write_header(case.layout, read_header(case.layout).with_checkpoint(checkpoint))
    case.header = read_header(case.layout)


def test_g10_a_key_holders_rewrite_is_caught_by_verify_pack(logged: Case, tmp_path: Path) -> None:
    folder, _ = write_pack(logged, tmp_path / "p1", pdf=False)
    _rewrite_history(logged, 3)
    assert failing(logged) == []  # chain and header agree: only the pack shows the rewrite
    code, result = verify_cli(logged, "--pack", str(folder))
    assert code == 2 and bad_checks(result) == [("earlier pack", "entry 3")]
    [pack_check] = [c for c in result["checks"] if c["check"] == "earlier pack"]
    assert pack_check["detail"] == (
        "the case's audit log no longer holds entry 3 that pack p1 recorded (it holds a different entry "
        "there: the case was put back to an older copy or its history rewritten)"
    )


def test_g10_a_case_that_extends_its_pack_passes_including_an_age_encrypted_one(
    logged: Case, tmp_path: Path
) -> None:
    folder, _ = write_pack(logged, tmp_path / "p1", pdf=False)
    identity = pyrage.x25519.Identity.generate()
    key = tmp_path / "officer.key"
    key.write_text(f"{identity}\n")
    sealed = tmp_path / "p1.zip.age"
    age_files.encrypt(folder.with_name("p1.zip"), sealed, recipients=[str(identity.to_public())])
    grow(logged, tmp_path, "four")
    code, verified = verify_cli(logged, "--pack", str(sealed), "--identity", str(key))
    assert code == 0 and verified["ok"] is True and verified["pack"]["ok"] is True
    [pack_check] = [c for c in verified["checks"] if c["check"] == "earlier pack"]
    assert pack_check["detail"] == "the audit log still begins with the 7 entries pack p1.zip.age recorded"


def test_g10_a_pack_that_cannot_be_relied_on_or_is_of_another_case_is_refused(
    logged: Case, tmp_path: Path
) -> None:
    folder, _ = write_pack(logged, tmp_path / "p1", pdf=False)
    recorded = read_pack_audit(folder)
    other = EarlierPack("other", "another-case-id", recorded.entries, recorded.root)
    assert failing(logged, other) == [("earlier pack", None, "pack other was made from another case")]
    wrong_root = EarlierPack("p1", recorded.case_id, recorded.entries, EMPTY_ROOT)
    assert failing(logged, wrong_root) == [
        ("earlier pack", None, "its first 7 entries do not give the Merkle root pack p1 recorded")
    ]
    log = folder / "audit-log.json"
    listed = json.loads(log.read_text("utf-8"))
    listed["entries"][2] = "0" * 64
    log.write_text(json.dumps(listed))
    edited = read_pack_audit(folder)
    assert edited.problems == [
        "audit-log.json: changed (does not match the manifest's SHA-256)",
        "audit-log.json: its entries do not give the manifest's Merkle root",
    ]
    found = failing(logged, EarlierPack("p1", edited.case_id, edited.entries, edited.root, edited.problems))
    assert [detail for _, _, detail in found] == [
        f"pack p1 cannot be relied on: {p}" for p in edited.problems
    ]


# -- the older header form ----------------------------------------------------------------------


def _old_form_mac(case: Case, size: int, head: str) -> str:
    """The MAC exactly as versions before the Merkle root wrote it."""
    message = f"{case.keys.case_id}|{size}|{head}".encode()
    return hmac.new(case.keys.audit, message, hashlib.sha256).hexdigest()


def test_g10_an_old_header_without_a_root_opens_verifies_and_gains_one(logged: Case, tmp_path: Path) -> None:
    hashes = hashes_of(logged)
    root = logged.layout.root
    data = json.loads(logged.layout.header.read_text("utf-8"))
    data["checkpoint"] = {"size": 7, "head": hashes[-1], "mac": _old_form_mac(logged, 7, hashes[-1])}
    logged.close()
    logged.layout.header.write_text(json.dumps(data, indent=2), "utf-8")
    with Case.open(root, PASSPHRASE) as case:
        assert case.header.checkpoint == Checkpoint(7, hashes[-1], data["checkpoint"]["mac"], None)
        assert failing(case) == []
        grow(case, tmp_path, "four")
        stored = json.loads(case.layout.header.read_text("utf-8"))["checkpoint"]
        assert (stored["size"], stored["root"]) == (9, merkle_root(hashes_of(case)))
        assert failing(case) == []


def test_g10_an_old_header_is_upgraded_at_the_next_save_even_at_the_same_size(logged: Case) -> None:
    hashes = hashes_of(logged)
    old = Checkpoint(7, hashes[-1], _old_form_mac(logged, 7, hashes[-1]))
    write_header(logged.layout, read_header(logged.layout).with_checkpoint(old))
    logged.save_checkpoint()
    assert read_header(logged.layout).checkpoint == logged.audit.checkpoint(
        7, hashes[-1], merkle_root(hashes)
    )


def test_g10_an_old_header_with_a_forged_mac_is_not_authentic(logged: Case) -> None:
    hashes = hashes_of(logged)
    forged = Checkpoint(5, hashes[4], _old_form_mac(logged, 7, hashes[-1]))
    write_header(logged.layout, read_header(logged.layout).with_checkpoint(forged))
    logged.header = read_header(logged.layout)
    assert failing(logged) == [("audit log", "entry 5", "the checkpoint in case.json is not authentic")]
    logged.save_checkpoint()  # an inauthentic checkpoint is left for verify to report, not replaced
    assert read_header(logged.layout).checkpoint == forged
