"""The organisation tree (tiered responsibility, CBIRC Art 9): branch -> parent organisation ->
head office. Pure: every function takes the tree as a mapping ``code -> parent code``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

Parents = Mapping[str, "str | None"]


def ancestors(parents: Parents, code: str) -> list[str]:
    """The organisations above ``code``, nearest first (stops at a cycle, which add/move
    never let in)."""
    chain: list[str] = []
    seen = {code}
    current = parents.get(code)
    while current is not None and current not in seen:
        chain.append(current)
        seen.add(current)
        current = parents.get(current)
    return chain


def descendants(parents: Parents, code: str | None) -> frozenset[str]:
    """Every organisation below ``code`` (children, their children, ...), not ``code`` itself."""
    if code is None:
        return frozenset()
    children: dict[str, list[str]] = defaultdict(list)
    for child, parent in parents.items():
        if parent is not None:
            children[parent].append(child)
    found: set[str] = set()
    todo = list(children.get(code, ()))
    while todo:
        child = todo.pop()
        if child in found or child == code:
            continue
        found.add(child)
        todo.extend(children.get(child, ()))
    return frozenset(found)


def level(parents: Parents, code: str) -> int:
    """0 for an organisation with no parent (head office), 1 below it, and so on."""
    return len(ancestors(parents, code))


def would_cycle(parents: Parents, code: str, new_parent: str | None) -> bool:
    """Whether putting ``code`` under ``new_parent`` would make it its own ancestor."""
    if new_parent is None:
        return False
    return new_parent == code or new_parent in descendants(parents, code)


def at_level(parents: Parents, code: str, depth: int) -> str:
    """The organisation ``code`` rolls up to at ``depth`` (0 = the top); itself when it is at
    that level or above."""
    path = [*reversed(ancestors(parents, code)), code]
    return path[depth] if depth < len(path) else code
