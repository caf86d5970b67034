"""RFC 6962 Merkle trees: published test vectors, proofs against a naive reference, properties."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.audit import merkle

# The certificate-transparency reference test leaves and the roots of each prefix.
CT_LEAVES = [
    bytes.fromhex(x)
    for x in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def naive_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, written straight from the definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + naive_root(leaves[:k]) + naive_root(leaves[k:])).digest()


def leaves_of(size: int) -> list[bytes]:
    return [f"{i:064x}".encode() for i in range(size)]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_published_vectors(size):
    assert merkle.root(CT_LEAVES[:size]).hex() == CT_ROOTS[size - 1]
    assert merkle.MerkleTree(CT_LEAVES).root(size).hex() == CT_ROOTS[size - 1]


def test_empty_tree_root_is_hash_of_nothing():
    assert merkle.root([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize(
    ("index", "size", "expected_path_length"),
    [(0, 1, 0), (0, 2, 1), (1, 2, 1), (2, 3, 1), (0, 3, 2), (4, 5, 1), (3, 8, 3), (6, 7, 2), (5, 1000, 10)],
)
def test_inclusion_proof_lengths_and_verification(index, size, expected_path_length):
    leaves = leaves_of(size)
    tree = merkle.MerkleTree(leaves)
    proof = tree.inclusion_proof(index)
    assert len(proof) == expected_path_length
    assert merkle.verify_inclusion(leaf_data=leaves[index], index=index, size=size, proof=proof, root_hash=tree.root())


@pytest.mark.parametrize(("old", "new"), [(1, 1), (1, 2), (2, 3), (3, 7), (4, 8), (6, 8), (5, 1000), (1000, 1000)])
def test_consistency_proofs_verify(old, new):
    tree = merkle.MerkleTree(leaves_of(new))
    proof = tree.consistency_proof(old)
    assert merkle.verify_consistency(
        old_size=old, new_size=new, old_root=tree.root(old), new_root=tree.root(new), proof=proof
    )


def test_consistency_fails_for_a_forked_history():
    original = leaves_of(10)
    forked = [*original[:3], b"rewritten", *original[4:]]
    old_root = merkle.root(original[:5])
    new_tree = merkle.MerkleTree(forked)
    proof = new_tree.consistency_proof(5)
    assert not merkle.verify_consistency(
        old_size=5, new_size=10, old_root=old_root, new_root=new_tree.root(), proof=proof
    )


@pytest.mark.parametrize(("index", "size"), [(-1, 3), (3, 3), (0, 0)])
def test_inclusion_proof_refuses_out_of_range(index, size):
    with pytest.raises(merkle.ProofError):
        merkle.MerkleTree(leaves_of(3)).inclusion_proof(index, size)


def test_inclusion_verification_rejects_out_of_range_index():
    assert not merkle.verify_inclusion(leaf_data=b"x", index=5, size=5, proof=[], root_hash=b"")


@settings(max_examples=150, deadline=None)
@given(size=st.integers(min_value=1, max_value=300), data=st.data())
def test_every_inclusion_proof_verifies_and_a_tampered_leaf_fails(size, data):
    leaves = leaves_of(size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    tree = merkle.MerkleTree(leaves)
    assert tree.root() == naive_root(leaves)
    proof = tree.inclusion_proof(index)
    root_hash = tree.root()
    assert merkle.verify_inclusion(leaf_data=leaves[index], index=index, size=size, proof=proof, root_hash=root_hash)
    tampered = leaves[index] + b"!"
    assert not merkle.verify_inclusion(leaf_data=tampered, index=index, size=size, proof=proof, root_hash=root_hash)
    if size > 1:  # the same proof does not place the leaf at another position
        other = (index + 1) % size
        assert not merkle.verify_inclusion(
            leaf_data=leaves[index], index=other, size=size, proof=proof, root_hash=root_hash
        )


@settings(max_examples=150, deadline=None)
@given(new=st.integers(min_value=1, max_value=300), data=st.data())
def test_every_consistency_proof_verifies_and_a_changed_prefix_fails(new, data):
    old = data.draw(st.integers(min_value=1, max_value=new))
    leaves = leaves_of(new)
    tree = merkle.MerkleTree(leaves)
    assert tree.root(old) == naive_root(leaves[:old])
    proof = tree.consistency_proof(old)
    assert merkle.verify_consistency(
        old_size=old, new_size=new, old_root=tree.root(old), new_root=tree.root(), proof=proof
    )
    victim = data.draw(st.integers(min_value=0, max_value=old - 1))
    rewritten = list(leaves)
    rewritten[victim] = b"rewritten"
    forged_tree = merkle.MerkleTree(rewritten)
    assert not merkle.verify_consistency(
        old_size=old,
        new_size=new,
        old_root=tree.root(old),
        new_root=forged_tree.root(),
        proof=forged_tree.consistency_proof(old),
    )


@settings(max_examples=100, deadline=None)
@given(size=st.integers(min_value=0, max_value=200))
def test_streaming_root_equals_full_tree_root(size):
    leaves = leaves_of(size)
    builder = merkle.StreamingRoot()
    builder.extend(leaves)
    assert builder.size == size
    assert builder.root() == naive_root(leaves) == merkle.MerkleTree(leaves).root()
