"""The organisation tree: branches under parent organisations (CBIRC Art 9, tiered
responsibility). Managing it (add, move, list) and reading it for others: permissions
(``descendants``), reviews routed to the parent (``parent_of``) and reports rolled up by level
(``rollup``)."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from complaintctl.domain import organisations as tree
from complaintctl.domain.enums import EventKind
from complaintctl.domain.permissions import Permission
from complaintctl.errors import InvalidData, NotFound, UsageProblem
from complaintctl.i18n import _
from complaintctl.store.models import Organisation, Staff
from complaintctl.services.core import trail as audit
from complaintctl.services.core.context import Actor, now, refusals_recorded, use_case
from complaintctl.services.core.org_tree import parents

CODE = re.compile(r"^[\w.-]{1,64}$")


# --- reading the tree (for permissions, reviews and reports) ------------------------------------


def outside_tree(session: Session, rows: list[dict[str, Any]]) -> list[str]:
    """The branches in use (on complaints or staff) that ``rows``, the tree, leaves out."""
    from complaintctl.services.core.filter_values import branches

    tree_codes = {r["code"] for r in rows}
    return [code for code in branches(session) if code not in tree_codes]


# --- managing the tree -----------------------------------------------------------------------


def _valid_code(code: str) -> str:
    code = (code or "").strip()
    if not CODE.match(code):
        raise InvalidData(
            _("'{code}' is not an organisation code; use 1-64 letters, digits, '_', '.' or '-'.")
            .format(code=code))
    return code


def _stored_code(session: Session, code: str) -> str | None:
    """``code`` (spaces dropped) as the tree spells it, matched as the filters match branch
    codes (``bj01`` is ``BJ01``); None when the tree has no such organisation."""
    from complaintctl.services.core.filter_values import one_spelling

    return one_spelling((code or "").strip(), parents(session))


def _existing_parent(session: Session, parent: str | None) -> str | None:
    if parent is None:
        return None
    if not parent.strip():
        raise InvalidData(_("--parent is blank; give the code of the organisation it reports "
                            "to (see `complaintctl org list`)."))
    stored = _stored_code(session, parent)
    if stored is None:
        parent = parent.strip()
        raise NotFound(
            _("No organisation {code}; add it first with `complaintctl org add {code} --name NAME`.")
            .format(code=parent))
    return stored


def _refuse_a_second_spelling(session: Session, code: str) -> None:
    """Refuse a new code that differs only in case from an organisation, or from a branch in
    use (on complaints or staff) unless the code itself is in use too (``bj01`` beside
    ``BJ01``): every filter, scope and report would tell the two apart."""
    from complaintctl.services.core.filter_values import branches

    folded = code.casefold()
    in_tree = sorted(c for c in parents(session) if c != code and c.casefold() == folded)
    if in_tree:
        raise InvalidData(
            _("Organisation '{existing}' already exists (codes differ only in case); use it or "
              "choose another code.").format(existing=in_tree[0]))
    known = branches(session)
    in_use = [] if code in known else [c for c in known if c.casefold() == folded]
    if in_use:
        raise InvalidData(
            _("Branch '{existing}' is already in use (codes differ only in case); add it as "
              "{existing} or choose another code.").format(existing=in_use[0]))


def add(*, session: Session, actor: Actor, code: str, name: str,
        parent: str | None = None) -> Organisation:
    """Add a branch or organisation, under ``parent`` (none: a top-level organisation)."""
    with use_case(session, actor, "org add"):
        actor.check(Permission.staff)
        code = _valid_code(code)
        name = (name or "").strip()
        if not name:
            raise InvalidData(_("The organisation's name (--name) is required and cannot be blank."))
        if session.get(Organisation, code) is not None:
            raise UsageProblem(
                _("Organisation {code} already exists; move it with `complaintctl org move`.")
                .format(code=code))
        _refuse_a_second_spelling(session, code)
        parent = _existing_parent(session, parent)
        org = Organisation(code=code, name=name, parent=parent, created_at=now())
        session.add(org)
        audit.record(session, kind=EventKind.admin, action="org add", actor=actor.username,
                     at=org.created_at, details={"org": code, "name": name, "parent": parent})
    return org


def move(*, session: Session, actor: Actor, code: str, parent: str | None) -> Organisation:
    """Put ``code`` under another parent (None: make it top level); never under itself."""
    with use_case(session, actor, "org move"):
        actor.check(Permission.staff)
        stored = _stored_code(session, code)
        org = session.get(Organisation, stored) if stored is not None else None
        if org is None:
            raise NotFound(_("No organisation {code}; see `complaintctl org list`.").format(
                code=(code or "").strip()))
        parent = _existing_parent(session, parent)
        if tree.would_cycle(parents(session), org.code, parent):
            raise InvalidData(
                _("{code} cannot go under {parent}: {parent} is {code} or one of its branches.")
                .format(code=org.code, parent=parent))
        old, org.parent = org.parent, parent
        session.add(org)
        audit.record(session, kind=EventKind.admin, action="org move", actor=actor.username,
                     at=now(), details={"org": org.code, "parent": [old, parent]})
    return org


def list_organisations(*, session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Every organisation, in tree order, with its level, path and branch and staff counts."""
    with refusals_recorded(session, actor, "org list"):
        actor.check(Permission.read)
    rows = session.exec(select(Organisation)).all()
    known = {o.code: o.parent for o in rows}
    staff: dict[str, int] = {}
    for (branch,) in session.execute(select(Staff.branch).where(Staff.active)):
        if branch is not None:
            staff[branch] = staff.get(branch, 0) + 1
    out = []
    for org in rows:
        path = [*reversed(tree.ancestors(known, org.code)), org.code]
        out.append({
            "code": org.code,
            "name": org.name,
            "parent": org.parent,
            "level": len(path) - 1,
            "path": path,
            "branches_below": len(tree.descendants(known, org.code)),
            "staff": staff.get(org.code, 0),
        })
    out.sort(key=lambda o: o["path"])
    return out
