"""The batch Merkle tree (issue 20) against RFC 6962's definitions written out here with
hashlib only: the root of every size up to 40, and every leaf's audit path checked back to it."""

from __future__ import annotations

import hashlib

import pytest

from complaintctl.domain import merkle


def _mth(data: list[bytes]) -> bytes:
    """RFC 6962 2.1: MTH by its recursive definition (k the largest power of 2 below n)."""
    if not data:
        return hashlib.sha256(b"").digest()
    if len(data) == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < len(data):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(data[:k]) + _mth(data[k:])).digest()


def _path(m: int, data: list[bytes]) -> list[bytes]:
    """RFC 6962 2.1.1: PATH(m, D[n]) by its recursive definition."""
    if len(data) == 1:
        return []
    k = 1
    while k * 2 < len(data):
        k *= 2
    if m < k:
        return _path(m, data[:k]) + [_mth(data[k:])]
    return _path(m - k, data[k:]) + [_mth(data[:k])]


@pytest.mark.parametrize("size", range(0, 41))
def test_the_root_and_every_path_are_rfc_6962s(size):
    data = [f"CMP-2026-{i:06d} stamp{i}".encode() for i in range(size)]
    leaves = [merkle.leaf_hash(d) for d in data]
    assert merkle.root(leaves) == _mth(data).hex()
    for m in range(size):
        siblings = merkle.path(leaves, m)
        assert siblings == _path(m, data)
        assert merkle.root_from_path(leaves[m], m, size, siblings) == _mth(data).hex()


def test_a_path_for_another_index_or_size_or_with_a_changed_sibling_fails():
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(7)]
    good = merkle.root(leaves)
    siblings = merkle.path(leaves, 3)
    assert merkle.root_from_path(leaves[3], 4, 7, siblings) != good
    assert merkle.root_from_path(leaves[3], 3, 9, siblings) != good
    assert merkle.root_from_path(leaves[3], 3, 7, [siblings[0][::-1], *siblings[1:]]) != good
    assert merkle.root_from_path(leaves[3], 3, 7, siblings[:-1]) is None
    assert merkle.root_from_path(leaves[3], 7, 7, siblings) is None
