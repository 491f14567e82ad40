"""The audit log as a Merkle tree (RFC 6962 hashing), so a later pack can be shown consistent with an
earlier one.

Each pack carries the hashes of every audit entry up to the moment it was made, and their Merkle root.
A later pack's first *n* entries must give the root an earlier pack of *n* entries recorded: if anyone
holding the case's key rewrote history in between (changing, removing or reordering an entry, even
with the hash chain and the header recomputed), the roots differ and ``verify-pack --against`` says so.

The hashing itself lives in the store (``casetrail.store.merkle``), because the case header's
checkpoint records the same root: one implementation serves both.
"""

from __future__ import annotations

from casetrail.store.merkle import EMPTY_ROOT, MerkleTree, leaf_hash, merkle_root

__all__ = ["EMPTY_ROOT", "MerkleTree", "leaf_hash", "merkle_root"]
