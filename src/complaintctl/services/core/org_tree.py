"""Reading the organisation tree (head office, regions, branches): what a supervisor's scope
covers, where a review goes, how a report rolls branches up. Changing the tree is
``services.admin.organisations``."""

from __future__ import annotations

from sqlmodel import Session, select

from complaintctl.domain import organisations as tree
from complaintctl.store.models import Organisation


def parents(session: Session) -> dict[str, str | None]:
    """The whole tree as ``code -> parent code`` (one small query)."""
    return dict(session.execute(select(Organisation.code, Organisation.parent)).all())


def descendants(session: Session, code: str | None) -> frozenset[str]:
    """Every branch below ``code`` (not ``code`` itself); empty for a branch not in the tree."""
    if code is None:
        return frozenset()
    return tree.descendants(parents(session), code)


def subtree(session: Session, code: str | None) -> frozenset[str] | None:
    """``code`` and every branch below it: what a report or the monitor of ``code`` covers
    (None, every branch, for no code)."""
    if code is None:
        return None
    return frozenset({code}) | descendants(session, code)


def parent_of(session: Session, branch: str | None) -> str | None:
    """The organisation ``branch`` reports to (where its reviews go), or None at the top or
    for a branch not in the tree."""
    if branch is None:
        return None
    return session.execute(
        select(Organisation.parent).where(Organisation.code == branch)
    ).scalar()


def ancestors(session: Session, branch: str) -> list[str]:
    """The organisations above ``branch``, nearest first."""
    return tree.ancestors(parents(session), branch)


def rollup(session: Session, depth: int) -> dict[str, str]:
    """Each organisation in the tree mapped to the one it rolls up to at ``depth`` (0: the
    top); branches not in the tree roll up to themselves (use ``.get(b, b)``)."""
    known = parents(session)
    return {code: tree.at_level(known, code, depth) for code in known}
