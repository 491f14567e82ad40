"""The case header (case.json): format, KDF parameters, the wrapped data key, the audit checkpoint.

It holds no evidence and no names: only what is needed to unlock the case and check its log.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from casetrail.crypto.kdf import KdfParams
from casetrail.errors import CaseCorrupt
from casetrail.store.layout import CaseLayout, atomic_write

FORMAT = "casetrail-case"
VERSION = 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: object) -> bytes:
    return base64.b64decode(str(text), validate=True)


@dataclass(frozen=True)
class Checkpoint:
    """Size, head hash and Merkle root of the audit log, MACed under the audit key.

    It catches a truncated or edited log; the root is what a pack records too, so the case can later
    be shown to still begin with what a pack saw. ``root`` is None in a header written before roots
    were recorded: such a checkpoint is checked in its old form and rewritten at the next save.
    """

    size: int
    head: str
    mac: str
    root: str | None = None


@dataclass(frozen=True)
class CaseHeader:
    case_id: str
    kdf: KdfParams
    salt: bytes
    wrap_nonce: bytes
    wrapped_key: bytes
    checkpoint: Checkpoint | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "case_id": self.case_id,
            "kdf": {**self.kdf.to_dict(), "salt": _b64(self.salt)},
            "wrapped_key": {
                "alg": "AES-256-GCM",
                "nonce": _b64(self.wrap_nonce),
                "ciphertext": _b64(self.wrapped_key),
            },
        }
        if self.checkpoint is not None:
            cp = self.checkpoint
            data["checkpoint"] = {"size": cp.size, "head": cp.head, "mac": cp.mac}
            if cp.root is not None:
                data["checkpoint"]["root"] = cp.root
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseHeader:
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError("not a casetrail case header of a known version")
        kdf = data["kdf"]
        wrapped = data["wrapped_key"]
        cp = data.get("checkpoint")
        return cls(
            case_id=str(data["case_id"]),
            kdf=KdfParams.from_dict(kdf),
            salt=_unb64(kdf["salt"]),
            wrap_nonce=_unb64(wrapped["nonce"]),
            wrapped_key=_unb64(wrapped["ciphertext"]),
            checkpoint=_checkpoint(cp) if cp else None,
        )

    def with_checkpoint(self, checkpoint: Checkpoint) -> CaseHeader:
        return replace(self, checkpoint=checkpoint)


def _checkpoint(data: dict[str, Any]) -> Checkpoint:
    root = data.get("root")
    return Checkpoint(
        int(data["size"]), str(data["head"]), str(data["mac"]), None if root is None else str(root)
    )


def read_header(layout: CaseLayout) -> CaseHeader:
    path: Path = layout.header
    try:
        return CaseHeader.from_json(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CaseCorrupt(f"{path}: the case header cannot be read ({exc.__class__.__name__})") from None


def write_header(layout: CaseLayout, header: CaseHeader) -> None:
    with atomic_write(layout.header, layout.tmp) as out:
        out.write(json.dumps(header.to_json(), indent=2).encode())
