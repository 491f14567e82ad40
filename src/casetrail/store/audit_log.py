"""Append-only audit log: every entry carries the hash of the one before it.

Leaf hash = SHA-256(0x00 || previous hash || canonical JSON of the entry), the RFC 6962 leaf prefix,
so the same leaves can later feed a Merkle tree for pack checkpoints. Actor and details are sealed
(they can name people and files); the hash covers their plaintext, so verifying needs the case key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from casetrail.crypto.fields import FieldCipher, FieldTampered, storable
from casetrail.store.header import Checkpoint
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

    def checkpoint(self, size: int, head: str) -> Checkpoint:
        return Checkpoint(size, head, self._mac(size, head))

    def _mac(self, size: int, head: str) -> str:
        message = f"{self.case_id}|{size}|{head}".encode()
        return hmac.new(self.mac_key, message, hashlib.sha256).hexdigest()

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
        hashes: dict[int, str] = {}
        for row in conn.execute(select(audit_log).order_by(audit_log.c.seq)):
            problem = self._check_row(row, expected_seq, prev)
            if problem:
                problems.append(AuditProblem(row.seq, problem))
                break
            if checkpoint and row.seq == checkpoint.size:
                hashes[row.seq] = row.entry_hash
            expected_seq, prev = row.seq + 1, row.entry_hash
        size = expected_seq - 1
        if not problems and checkpoint is not None:
            if not hmac.compare_digest(checkpoint.mac, self._mac(checkpoint.size, checkpoint.head)):
                problems.append(AuditProblem(checkpoint.size, "the checkpoint in case.json is not authentic"))
            elif size < checkpoint.size:
                problems.append(
                    AuditProblem(
                        size + 1, f"log has {size} entries but the checkpoint recorded {checkpoint.size}"
                    )
                )
            elif checkpoint.size and hashes.get(checkpoint.size) != checkpoint.head:
                problems.append(AuditProblem(checkpoint.size, "entry does not match the recorded checkpoint"))
        return problems

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
