"""G-11: a later pack is provably consistent with an earlier one (the audit log as an RFC 6962 tree)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import update

from casetrail.pack.bundle import write_pack
from casetrail.pack.merkle import EMPTY_ROOT, leaf_hash, merkle_root
from casetrail.pack.verify import verify_pack
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.tables import audit_log
from tests.helpers import android_lines, run_cli, write_chat


def test_the_merkle_root_follows_rfc_6962() -> None:
    a, b, c = (hashlib.sha256(x).hexdigest() for x in (b"a", b"b", b"c"))
    node = lambda left, right: hashlib.sha256(b"\x01" + left + right).digest()  # noqa: E731
    assert merkle_root([]) == EMPTY_ROOT
    assert merkle_root([a]) == leaf_hash(a).hex()
    assert merkle_root([a, b]) == node(leaf_hash(a), leaf_hash(b)).hex()
    # Three leaves split at the largest power of two below three: ((a, b), c).
    assert merkle_root([a, b, c]) == node(node(leaf_hash(a), leaf_hash(b)), leaf_hash(c)).hex()
    assert merkle_root([b, a]) != merkle_root([a, b])


def test_g11_a_later_pack_extends_the_earlier_one_and_a_rewritten_history_is_caught(
    new_case: Case, tmp_path: Path
) -> None:
    import_file(new_case, write_chat(tmp_path / "one.txt", android_lines(6)))
    first, _ = write_pack(new_case, tmp_path / "p1", pdf=False)
    import_file(new_case, write_chat(tmp_path / "two.txt", android_lines(6, step_minutes=13)))
    second, _ = write_pack(new_case, tmp_path / "p2", pdf=False)
    manifest = json.loads((second / "manifest.json").read_text("utf-8"))
    assert manifest["audit"]["merkle_root"] and manifest["files"]["audit-log.json"]["entries"] > 2
    checked = verify_pack(second, against=first)
    assert checked.ok and len(checked.audit) > 2
    assert verify_pack(second.with_name("p2.zip"), against=first.with_name("p1.zip")).ok
    # The key-holder's attack: rewrite an early entry of the audit log, then make a new pack.
    with new_case.writer.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 1).values(entry_hash="0" * 64))
    third, _ = write_pack(new_case, tmp_path / "p3", pdf=False)
    assert verify_pack(third).ok  # on its own it is consistent: only the earlier pack shows the rewrite
    found = verify_pack(third, against=first)
    size = len(verify_pack(first).audit)
    assert found.problems == [
        f"the audit log's first {size} entries differ from the earlier pack's: history was rewritten "
        "between the two packs"
    ]
    assert verify_pack(first, against=second).problems == [
        f"the later pack's audit log is shorter ({size} entries) than the earlier one's "
        f"({len(checked.audit)})"
    ]
    new_case.close()
    done = run_cli("verify-pack", str(third), "--against", str(first), passphrase=None)
    assert done.returncode == 3 and "history was rewritten" in " ".join(done.stdout.split())
