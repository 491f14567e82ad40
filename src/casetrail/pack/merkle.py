"""The audit log as a Merkle tree (RFC 6962 hashing), so a later pack can be shown consistent with an
earlier one.

Each pack carries the hashes of every audit entry up to the moment it was made, and their Merkle root.
A later pack's first *n* entries must give the root an earlier pack of *n* entries recorded: if anyone
holding the case's key rewrote history in between (changing, removing or reordering an entry, even
with the hash chain and the header recomputed), the roots differ and ``verify-pack --against`` says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def leaf_hash(entry_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(entry_hash)).digest()


def _root(leaves: Sequence[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)  # the largest power of two below the count
    return hashlib.sha256(b"\x01" + _root(leaves[:split]) + _root(leaves[split:])).digest()


def merkle_root(entry_hashes: Sequence[str]) -> str:
    """The RFC 6962 Merkle tree hash of the audit entries, as hex (SHA-256 of nothing when empty)."""
    if not entry_hashes:
        return EMPTY_ROOT
    return _root([leaf_hash(h) for h in entry_hashes]).hex()
