"""Before copying: who may migrate into the target, and the keys of the branch that the target
already uses (complaint numbers), reported all at once."""

from __future__ import annotations

import sqlalchemy as sa

from complaintctl.domain.enums import Role
from complaintctl.errors import PermissionDenied
from complaintctl.i18n import _
from complaintctl.services.intake.migrate.tables import (
    MERGE_BY,
    SPECIAL,
    remapped_tables,
    unique_keys,
)
from complaintctl.store import models


def check_actor(dst, actor: str) -> None:
    """Into a target with staff, only one of its admins may migrate."""
    staff = models.Staff.__table__
    if dst.execute(sa.select(sa.func.count()).select_from(staff)).scalar() == 0:
        return
    row = dst.execute(sa.select(staff.c.role, staff.c.active).where(
        staff.c.username == actor)).first()
    if row is None or row.role != Role.admin.value or not row.active:
        raise PermissionDenied(_(
            "Permission denied: {user} is not an admin of the target database; ask one of its "
            "admins to run the migration.").format(user=actor))


def find_collisions(src, dst, tables) -> dict[str, list[str]]:
    """Unique keys of source rows that the target already holds, per table and key."""
    remapped = remapped_tables(tables)
    found: dict[str, list[str]] = {}
    for table in tables:
        if table.name in SPECIAL or table.name in MERGE_BY:
            continue
        for key in unique_keys(table):
            columns = [table.c[name] for name in key]
            if any(fk.column.table.name in remapped for c in columns for fk in c.foreign_keys):
                continue  # rewritten on the way in, so it cannot clash
            values = [tuple(r) for r in src.execute(sa.select(*columns)) if None not in tuple(r)]
            clashes = []
            for start in range(0, len(values), 500):
                chunk = values[start:start + 500]
                match = (columns[0].in_([v[0] for v in chunk]) if len(columns) == 1
                         else sa.tuple_(*columns).in_(chunk))
                clashes += [tuple(r) for r in dst.execute(sa.select(*columns).where(match))]
            if clashes:
                label = f"{table.name}.{'+'.join(key)}"
                found[label] = sorted("/".join(str(v) for v in c) for c in clashes)
    return found


def collision_report(collisions: dict[str, list[str]]) -> str:
    lines = []
    for label, values in collisions.items():
        shown = ", ".join(values[:20]) + (_(" and {n} more").format(n=len(values) - 20)
                                          if len(values) > 20 else "")
        lines.append(_("{key}: {n} already in the target: {values}").format(
            key=label, n=len(values), values=shown))
    return _(
        "Nothing was copied: the target already uses keys of the branch's (complaint numbers "
        "are unique and never change):\n{lines}\nKeep this branch on a database of its own, "
        "or migrate it into a central database that has not numbered complaints in the same "
        "years."
    ).format(lines="\n".join("  " + line for line in lines))
