"""The audit log as an RFC 6962 Merkle tree: the root the case header and every pack record.

Leaves are SHA-256(0x00 || entry hash), nodes SHA-256(0x01 || left || right), and a tree of n leaves
splits at the largest power of two below n (RFC 6962 §2.1). The root is built in one pass keeping only
the roots of the complete subtrees seen so far (at most log2(n) of them), so a log of any length is
hashed while it streams out of the database, without holding its entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def leaf_hash(entry_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(entry_hash)).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleTree:
    """A running Merkle root: ``add`` each entry hash in order, ask ``root`` at any point."""

    def __init__(self) -> None:
        self.size = 0
        self._subtrees: list[tuple[int, bytes]] = []  # (leaves, root) of complete subtrees, largest first

    def add(self, entry_hash: str) -> None:
        width, node = 1, leaf_hash(entry_hash)
        while self._subtrees and self._subtrees[-1][0] == width:
            _, left = self._subtrees.pop()
            width, node = width * 2, _node(left, node)
        self._subtrees.append((width, node))
        self.size += 1

    def root(self) -> str:
        """The tree hash of the entries added so far (SHA-256 of nothing when there are none)."""
        if not self._subtrees:
            return EMPTY_ROOT
        node = self._subtrees[-1][1]
        for _, left in reversed(self._subtrees[:-1]):
            node = _node(left, node)
        return node.hex()


def merkle_root(entry_hashes: Iterable[str]) -> str:
    """The RFC 6962 Merkle tree hash of the audit entries, as hex (SHA-256 of nothing when empty)."""
    tree = MerkleTree()
    for entry_hash in entry_hashes:
        tree.add(entry_hash)
    return tree.root()
