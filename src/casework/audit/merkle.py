"""RFC 6962 (Certificate Transparency) Merkle trees over the audit trail. Pure Python, no Django.

- leaf hash = SHA-256(0x00 || leaf_data); for the audit trail, leaf_data is an event's stored
  `hash` as its 64 ASCII hex characters;
- node hash = SHA-256(0x01 || left || right);
- the tree over n leaves splits at k, the largest power of two smaller than n (RFC 6962 §2.1).

Proof generation follows RFC 6962 §2.1.1 (audit path) and §2.1.2 (consistency proof); proof
checking follows RFC 9162 §2.1.3.2 and §2.1.4.2. The standalone verifier keeps its own copy of
the hashing rules so it can run without this package.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()


class ProofError(ValueError):
    """A proof was asked for sizes or indices the tree does not have."""


def leaf_hash(leaf_data: bytes) -> bytes:
    return _sha256(b"\x00" + leaf_data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """k such that k < n <= 2k (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class StreamingRoot:
    """The root of a growing tree in O(log n) memory: the compact range of perfect subtrees.

    The RFC 6962 tree over n leaves is the perfect subtrees of n's binary decomposition, left
    to right, folded from the right; so keeping one hash per set bit of n is enough.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []  # (subtree size, subtree hash), sizes strictly decreasing
        self.size = 0

    def append_leaf_hash(self, digest: bytes) -> None:
        size, stack = 1, self._stack
        while stack and stack[-1][0] == size:
            _, left = stack.pop()
            digest = node_hash(left, digest)
            size *= 2
        stack.append((size, digest))
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for data in leaves:
            self.append_leaf_hash(_sha256(b"\x00" + data).digest())

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        digest = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            digest = node_hash(left, digest)
        return digest


class MerkleTree:
    """Every level of the tree kept as packed bytes (about 64 bytes per leaf), so the root of any
    prefix and any proof cost O(log n) lookups after one O(n) build."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        packed = bytearray()
        for data in leaves:
            packed += _sha256(b"\x00" + data).digest()
        self._levels: list[bytes] = [bytes(packed)]
        self._build_upper_levels()

    @classmethod
    def from_leaf_hashes(cls, packed_leaf_hashes: bytes) -> MerkleTree:
        if len(packed_leaf_hashes) % HASH_SIZE:
            raise ValueError("packed leaf hashes must be a multiple of 32 bytes")
        tree = cls.__new__(cls)
        tree._levels = [bytes(packed_leaf_hashes)]
        tree._build_upper_levels()
        return tree

    def _build_upper_levels(self) -> None:
        level = self._levels[0]
        while len(level) >= 2 * HASH_SIZE:
            upper = bytearray()
            for offset in range(0, len(level) - HASH_SIZE, 2 * HASH_SIZE):
                upper += _sha256(b"\x01" + level[offset : offset + 2 * HASH_SIZE]).digest()
            level = bytes(upper)
            self._levels.append(level)

    @property
    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def leaf_hash(self, index: int) -> bytes:
        return self._node(0, index)

    def _node(self, level: int, index: int) -> bytes:
        start = index * HASH_SIZE
        return self._levels[level][start : start + HASH_SIZE]

    def _subtree_root(self, start: int, size: int) -> bytes:
        """MTH(D[start:start+size]) for a subtree of the RFC recursion (start is aligned)."""
        if size == 0:
            return EMPTY_ROOT
        pieces: list[bytes] = []
        offset = start
        for level in range(size.bit_length() - 1, -1, -1):
            if size & (1 << level):
                pieces.append(self._node(level, offset >> level))
                offset += 1 << level
        digest = pieces[-1]
        for left in reversed(pieces[:-1]):
            digest = node_hash(left, digest)
        return digest

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        self._check_size(size)
        return self._subtree_root(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
        return self._path(index, 0, size)

    def _path(self, index: int, start: int, size: int) -> list[bytes]:
        if size == 1:
            return []
        k = _largest_power_of_two_below(size)
        if index < k:
            return [*self._path(index, start, k), self._subtree_root(start + k, size - k)]
        return [*self._path(index - k, start + k, size - k), self._subtree_root(start, k)]

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        new_size = self.size if new_size is None else new_size
        self._check_size(new_size)
        if not 0 < old_size <= new_size:
            raise ProofError(f"no consistency proof from {old_size} to {new_size} leaves")
        return self._subproof(old_size, 0, new_size, True)

    def _subproof(self, m: int, start: int, n: int, complete_subtree: bool) -> list[bytes]:
        if m == n:
            return [] if complete_subtree else [self._subtree_root(start, n)]
        k = _largest_power_of_two_below(n)
        if m <= k:
            return [*self._subproof(m, start, k, complete_subtree), self._subtree_root(start + k, n - k)]
        return [*self._subproof(m - k, start + k, n - k, False), self._subtree_root(start, k)]

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ProofError(f"the tree has {self.size} leaves, not {size}")


# --- pure helpers over a list of leaves ------------------------------------------------------


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf data (not leaf hashes)."""
    builder = StreamingRoot()
    builder.extend(leaves)
    return builder.root()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    return MerkleTree(leaves).inclusion_proof(index)


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    return MerkleTree(leaves).consistency_proof(old_size)


# --- proof checking (RFC 9162) ---------------------------------------------------------------


def verify_inclusion(*, leaf_data: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    digest = leaf_hash(leaf_data)
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            digest = node_hash(sibling, digest)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            digest = node_hash(digest, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and digest == root_hash


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = node_hash(node, first)
            second = node_hash(node, second)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            second = node_hash(second, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and first == old_root and second == new_root
