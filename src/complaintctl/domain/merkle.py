"""The Merkle tree of an import batch (issue 20). Pure: bytes in, hex digests out.

One audit event per batch carries the root of a Merkle tree over the batch's rows, built as
Certificate Transparency builds its log (RFC 6962 section 2.1, kept by RFC 9162 section 2.1;
the tree Trillian serves): SHA-256, a leaf's hash ``H(0x00 || data)``, an inner node's
``H(0x01 || left || right)``, and a tree of ``n`` leaves split at the largest power of two
below ``n`` (so a lone last node is carried up a level unchanged). The empty tree's root is
``H()``. A leaf's data is the row's state line, ``number stamp``: its number and the keyed
stamp of its stored content (``row_state``), so a proof names one complaint and shows nothing
of the others, and no personal value (the stamp is keyed).

``Builder`` computes the root as rows stream by, holding one hash per level (the import never
keeps a million leaves); ``path`` gives one leaf's inclusion proof (its audit path, bottom
up) and ``root_from_path`` checks one, as RFC 9162 section 2.1.3.2 does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

ALGORITHM = "rfc6962-sha256"
LEAF, NODE = b"\x00", b"\x01"


def leaf_data(number: str, stamp: str) -> bytes:
    """What a row's leaf hashes: its state line (the form of an event's ``state``)."""
    return f"{number} {stamp}".encode()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


class Builder:
    """The root of leaves appended one by one: a stack of the roots of the perfect subtrees
    so far (their sizes the binary digits of the count), merged as they pair up."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (subtree size, its root), largest first

    def add(self, leaf: bytes) -> None:
        """Append one leaf's hash (``leaf_hash``)."""
        self.size += 1
        size, value = 1, leaf
        stack = self._stack
        while stack and stack[-1][0] == size:
            size, value = size * 2, node_hash(stack.pop()[1], value)
        stack.append((size, value))

    def root(self) -> str:
        """The tree's root (hex): the subtrees merged right to left (RFC 6962's split)."""
        if not self._stack:
            return EMPTY_ROOT
        value = self._stack[-1][1]
        for _size, left in reversed(self._stack[:-1]):
            value = node_hash(left, value)
        return value.hex()


def root(leaves: Sequence[bytes]) -> str:
    builder = Builder()
    for leaf in leaves:
        builder.add(leaf)
    return builder.root()


def path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index`` (RFC 6962 ``PATH(m, D[n])``): the sibling hashes from
    the leaf up to the root."""
    if not 0 <= index < len(leaves):
        raise IndexError(index)
    level, found = list(leaves), []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            found.append(level[sibling])
        level = [node_hash(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
        index //= 2
    return found


def root_from_path(leaf: bytes, index: int, size: int, siblings: Sequence[bytes]) -> str | None:
    """The root that ``siblings`` lead to from ``leaf`` at ``index`` in a tree of ``size``
    leaves (RFC 9162 section 2.1.3.2); None if the path cannot belong to such a tree."""
    if not 0 <= index < size:
        return None
    fn, sn, value = index, size - 1, leaf
    for sibling in siblings:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            value = node_hash(sibling, value)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            value = node_hash(value, sibling)
        fn, sn = fn >> 1, sn >> 1
    return value.hex() if sn == 0 else None
