"""Append-only audit log: every entry carries the hash of the one before it.

Leaf hash = SHA-256(0x00 || previous hash || canonical JSON of the entry), the RFC 6962 leaf prefix.
The entry hashes are also the leaves of an RFC 6962 Merkle tree (store/merkle.py): the checkpoint in
case.json and every pack record its root, so a case can be shown to still begin with what an earlier
pack saw. Actor and details are sealed (they can name people and files); the hash covers their
plaintext, so verifying needs the case key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from casetrail.crypto.fields import FieldCipher, FieldTampered, storable
from casetrail.store.header import Checkpoint
from casetrail.store.merkle import EMPTY_ROOT, MerkleTree
from casetrail.store.tables import audit_log

GENESIS = "0" * 64


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def canonical(seq: int, at: str, action: str, actor: str, details: dict[str, Any]) -> bytes:
    body = {"seq": seq, "at": at, "action": action, "actor": actor, "details": details}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def leaf_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(b"\x00" + bytes.fromhex(prev_hash) + body).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    action: str
    actor: str
    details: dict[str, Any]
    entry_hash: str


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    problem: str


class AuditLog:
    def __init__(self, cipher: FieldCipher, mac_key: bytes, case_id: str) -> None:
        self.cipher = cipher
        self.mac_key = mac_key
        self.case_id = case_id

    def append(self, conn: Connection, action: str, actor: str, details: dict[str, Any]) -> AuditEntry:
        """Add one entry inside the caller's write transaction."""
        details = storable(details)  # the hash and the sealed copy must agree (crypto.fields.storable)
        last = conn.execute(
            select(audit_log.c.seq, audit_log.c.entry_hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        seq, prev = (last.seq + 1, last.entry_hash) if last else (1, GENESIS)
        at = utc_now()
        entry_hash = leaf_hash(prev, canonical(seq, at, action, actor, details))
        conn.execute(
            audit_log.insert().values(
                seq=seq,
                at=at,
                action=action,
                actor_enc=self.cipher.seal_json(actor, f"audit_log.actor:{seq}"),
                details_enc=self.cipher.seal_json(details, f"audit_log.details:{seq}"),
                prev_hash=prev,
                entry_hash=entry_hash,
            )
        )
        return AuditEntry(seq, at, action, actor, details, entry_hash)

    def head(self, conn: Connection) -> tuple[int, str]:
        size = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
        last = conn.execute(select(audit_log.c.entry_hash).order_by(audit_log.c.seq.desc()).limit(1)).scalar()
        return int(size), str(last or GENESIS)

    def entry_hash_at(self, conn: Connection, seq: int) -> str | None:
        found = conn.execute(select(audit_log.c.entry_hash).where(audit_log.c.seq == seq)).scalar()
        return None if found is None else str(found)

    def checkpoint(self, size: int, head: str, root: str | None = None) -> Checkpoint:
        """A MACed checkpoint; without ``root``, the older form that recorded none."""
        return Checkpoint(size, head, self._mac(size, head, root), root)

    def current_checkpoint(self, conn: Connection) -> Checkpoint:
        """The checkpoint of the whole log as it is now: size, head and Merkle root (one pass)."""
        return self.checkpoint_at(conn, None)

    def checkpoint_at(self, conn: Connection, size: int | None) -> Checkpoint:
        """The checkpoint of the log's first ``size`` entries (all of them when None)."""
        query = select(audit_log.c.entry_hash).order_by(audit_log.c.seq)
        tree, head = MerkleTree(), GENESIS
        for head in conn.execute(query if size is None else query.limit(size)).scalars():
            tree.add(head)
        return self.checkpoint(tree.size, head, tree.root())

    def authentic(self, checkpoint: Checkpoint) -> bool:
        """Whether the checkpoint was made with this case's key (in its old or new form)."""
        expected = self._mac(checkpoint.size, checkpoint.head, checkpoint.root)
        return hmac.compare_digest(checkpoint.mac, expected)

    def _mac(self, size: int, head: str, root: str | None) -> str:
        message = f"{self.case_id}|{size}|{head}" + ("" if root is None else f"|root={root}")
        return hmac.new(self.mac_key, message.encode(), hashlib.sha256).hexdigest()

    def first_difference(self, conn: Connection, recorded: Sequence[str]) -> tuple[int | None, str]:
        """Where the log stops holding ``recorded`` (a pack's entry hashes, in order): the 1-based
        position of the first entry it lacks or holds differently, or None; and the Merkle root of
        the log's first ``len(recorded)`` entries."""
        tree, differs = MerkleTree(), None
        query = select(audit_log.c.entry_hash).order_by(audit_log.c.seq).limit(len(recorded))
        for position, entry_hash in enumerate(conn.execute(query).scalars(), start=1):
            if differs is None and entry_hash != recorded[position - 1]:
                differs = position
            tree.add(entry_hash)
        if differs is None and tree.size < len(recorded):
            differs = tree.size + 1
        return differs, tree.root()

    def entries(self, conn: Connection) -> Iterator[AuditEntry]:
        for row in conn.execute(select(audit_log).order_by(audit_log.c.seq)):
            yield AuditEntry(
                row.seq,
                row.at,
                row.action,
                self.cipher.open_json(row.actor_enc, f"audit_log.actor:{row.seq}"),
                self.cipher.open_json(row.details_enc, f"audit_log.details:{row.seq}"),
                row.entry_hash,
            )

    def verify(self, conn: Connection, checkpoint: Checkpoint | None) -> list[AuditProblem]:
        """Walk the whole chain; report the first break and any checkpoint mismatch."""
        problems: list[AuditProblem] = []
        expected_seq, prev = 1, GENESIS
        tree, at_checkpoint = MerkleTree(), (GENESIS, EMPTY_ROOT)
        for row in conn.execute(select(audit_log).order_by(audit_log.c.seq)):
            problem = self._check_row(row, expected_seq, prev)
            if problem:
                problems.append(AuditProblem(min(row.seq, expected_seq), problem))
                break
            tree.add(row.entry_hash)
            if checkpoint and tree.size == checkpoint.size:
                at_checkpoint = (row.entry_hash, tree.root())
            expected_seq, prev = row.seq + 1, row.entry_hash
        if not problems and checkpoint is not None:
            mismatch = self._against_checkpoint(checkpoint, tree.size, *at_checkpoint)
            problems += [mismatch] if mismatch else []
        return problems

    def _against_checkpoint(
        self, checkpoint: Checkpoint, size: int, head: str, root: str
    ) -> AuditProblem | None:
        """The intact log against the header's checkpoint: authentic, not shorter, same head and root."""
        if not self.authentic(checkpoint):
            return AuditProblem(checkpoint.size, "the checkpoint in case.json is not authentic")
        if size < checkpoint.size:
            return AuditProblem(
                size + 1, f"log has {size} entries but the checkpoint recorded {checkpoint.size}"
            )
        if checkpoint.size and head != checkpoint.head:
            return AuditProblem(checkpoint.size, "entry does not match the recorded checkpoint")
        if checkpoint.root is not None and root != checkpoint.root:
            return AuditProblem(
                checkpoint.size,
                f"the first {checkpoint.size} entries do not give the Merkle root recorded in case.json",
            )
        return None

    def _check_row(self, row: Any, expected_seq: int, prev: str) -> str | None:
        if row.seq != expected_seq:
            return f"expected entry {expected_seq} here, found {row.seq} (an entry is missing or inserted)"
        if row.prev_hash != prev:
            return "does not link to the entry before it"
        try:
            actor = self.cipher.open_json(row.actor_enc, f"audit_log.actor:{row.seq}")
            details = self.cipher.open_json(row.details_enc, f"audit_log.details:{row.seq}")
        except FieldTampered:
            return "sealed actor or details were altered"
        if leaf_hash(prev, canonical(row.seq, row.at, row.action, actor, details)) != row.entry_hash:
            return "content does not match its hash (the entry was edited)"
        return None
