"""``db migrate-to`` as one target transaction: check, copy, record, verify, then commit (or,
in a dry run, roll back); the evidence files follow."""

from __future__ import annotations

import shutil

import sqlalchemy as sa
from sqlmodel import SQLModel

from complaintctl.domain.enums import EventKind
from complaintctl.errors import DatabaseProblem, PermissionDenied, UsageProblem
from complaintctl.infra.files import private_dirs
from complaintctl.i18n import _
from complaintctl.services.audit import trail as audit
from complaintctl.services.core import trail
from complaintctl.services.core.context import now
from complaintctl.services.intake.migrate.checks import (
    check_actor,
    collision_report,
    find_collisions,
)
from complaintctl.services.intake.migrate.copier import Copier
from complaintctl.services.intake.migrate.results import Collision, Migration
from complaintctl.services.intake.migrate.tables import count_rows
from complaintctl.store import guards, models


def migrate(*, source, target, actor: str, dry_run: bool = False) -> Migration:
    """Copy ``source`` (a Database) into ``target`` (a Database at head); see the module doc."""
    if source.url == target.url:
        raise UsageProblem(_("The target is the database itself; give the central database's "
                             "URL."))
    result = Migration(source.display(), target.display(), dry_run)
    tables = list(SQLModel.metadata.sorted_tables)
    with source.session() as src_session, target.session(write=True) as dst_session:
        src, dst = src_session.connection(), dst_session.connection()
        _whole_databases(src, dst)
        checked = audit.verify(src_session)
        if not checked.ok:
            raise DatabaseProblem(_(
                "The branch's audit trail is broken ({problem}); restore a good backup before "
                "migrating it.").format(problem=checked.problem))
        head = dst.execute(sa.select(models.AuditHead.__table__).where(
            models.AuditHead.__table__.c.id == 1).with_for_update()).one()
        check_actor(dst, actor)
        collisions = find_collisions(src, dst, tables)
        if collisions:
            raise Collision(collision_report(collisions))
        copier = Copier(src, dst_session, result, target_chain=(head.count, head.last_hash))
        for table in tables:
            if table.name == "event":
                copier.events(table)
            elif table.name == "counter":
                copier.counters(table)
            elif table.name == "setting":
                copier.settings(table)
            elif table.name != "audit_head":
                copier.table(table)
        copier.finish_chain()
        dst_session.expire_all()
        # appended under the target's key (and ids): the copied complaints' stamps are made
        # again from the rows as copied, on this event (the source verified them above)
        copied = src.execute(sa.select(models.Complaint.__table__.c.number)
                             .order_by(models.Complaint.__table__.c.id)).scalars().all() \
            if result.chain == "appended" else []
        trail.record(
            dst_session, kind=EventKind.admin, action="db migrate-to", actor=actor, at=now(),
            details={"source": result.source, "chain": result.chain, "events": result.events,
                     "first_seq": result.first_seq, "last_seq": result.last_seq,
                     "source_head": result.source_head,
                     "copied": {t.table: t.copied for t in result.tables if t.copied}},
            covers=copied,
        )
        dst_session.flush()
        verify_copy(src, dst, result, copier)
        checked = audit.verify(dst_session)
        if not checked.ok:
            raise DatabaseProblem(_("The copy failed verification ({problem}); nothing was "
                                    "written.").format(problem=checked.problem))
        result.verified_events = checked.events
        result.evidence_files = copy_evidence(src, source, target, dry_run=dry_run)
        if dry_run:
            dst_session.rollback()
        else:
            dst_session.commit()
    return result


def _whole_databases(src, dst) -> None:
    """Refuse (exit 4) a connection row-level security limits (``db harden``'s application
    role): it would see some branches' complaints, or none, and copy a part as the whole."""
    if guards.limited_by_row_security(src):
        raise PermissionDenied(_(
            "The source database limits this connection by row-level security (it is `db "
            "harden`'s application role, which sees only an actor's branches): connect to it "
            "as the owner role to migrate it. Nothing was copied."))
    if guards.limited_by_row_security(dst):
        raise PermissionDenied(_(
            "The target database limits this connection by row-level security (it is `db "
            "harden`'s application role): migrate into it as the owner role, or before `db "
            "harden`. Nothing was copied."))


def verify_copy(src, dst, result: Migration, copier: Copier) -> None:
    """Every table grew by what was copied, and every complaint number arrived."""
    problems = []
    for stats in result.tables:
        table = SQLModel.metadata.tables[stats.table]
        stats.after = count_rows(dst, table)
        grew = stats.after - stats.before
        if stats.table == "event":
            grew -= 1  # the closing migrate-to event
        if grew != stats.copied or stats.copied + stats.matched != stats.source:
            problems.append(f"{stats.table}: {stats.source} in the branch, {stats.copied} copied, "
                            f"{stats.matched} matched, the target grew by {grew}")
    complaint = models.Complaint.__table__
    numbers = [n for (n,) in src.execute(sa.select(complaint.c.number))]
    arrived = 0
    for start in range(0, len(numbers), 500):
        arrived += dst.execute(sa.select(sa.func.count()).select_from(complaint).where(
            complaint.c.number.in_(numbers[start:start + 500]))).scalar()
    if arrived != len(numbers):
        problems.append(f"complaint numbers: {len(numbers)} in the branch, {arrived} arrived")
    if problems:
        raise DatabaseProblem(_("The copy failed verification; nothing was written:\n{problems}")
                              .format(problems="\n".join("  " + p for p in problems)))


def copy_evidence(src, source, target, *, dry_run: bool) -> int:
    """Copy the branch's evidence files into the target's store; returns how many were (or,
    in a dry run, would be) new."""
    table = models.Evidence.__table__
    digests = {d for (d,) in src.execute(sa.select(table.c.sha256).distinct())}
    from complaintctl.infra.evidence import EvidenceStore

    mine, theirs = EvidenceStore(source.evidence_dir), EvidenceStore(target.evidence_dir)
    copied = 0
    for digest in sorted(digests):
        path, dest = mine.path_for(digest), theirs.path_for(digest)
        if dest.exists():
            continue
        if not path.exists():
            raise DatabaseProblem(_(
                "Evidence file {digest} is missing from the branch's store ({where}); restore it "
                "before migrating.").format(digest=digest, where=source.evidence_dir))
        copied += 1
        if dry_run:
            continue
        private_dirs(dest.parent)
        shutil.copy2(path, dest)
        dest.chmod(0o600)
    return copied
