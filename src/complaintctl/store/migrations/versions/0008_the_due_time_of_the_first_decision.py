"""the due time of the first decision (issue 5): complaint.decision_due_at

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28

A reopen or a review restarts the clock and moves due_at, so the reports judged a first
decision against the new, later due time (a late decision became on time). The column keeps the
due time the first decision was judged against. Existing complaints whose due time moved after
their first decision get it back from their timeline: the old value of the first due_at move
recorded after that decision. Frozen: never import the models here.
"""

import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DECIDED = ("resolved", "closed", "archived")
DECISIONS = ("resolve", "imported")
RESTARTS = ("reopen", "review_request")


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_due_at", sa.DateTime(timezone=True),
                                      nullable=True))
    _backfill(op.get_bind())


def _backfill(bind) -> None:
    """decision_due_at of the complaints a reopen or review moved after their first decision."""
    event = sa.table("event", sa.column("seq", sa.BigInteger), sa.column("complaint_id"),
                     sa.column("action"), sa.column("to_status"), sa.column("details"))
    complaint = sa.table("complaint", sa.column("id"),
                         sa.column("decision_due_at", sa.DateTime(timezone=True)))
    restarted = sa.select(event.c.complaint_id).where(event.c.action.in_(RESTARTS)).distinct()
    rows = bind.execute(
        sa.select(event.c.complaint_id, event.c.action, event.c.to_status, event.c.details)
        .where(event.c.complaint_id.in_(restarted)).order_by(event.c.complaint_id, event.c.seq))
    found: dict[int, datetime] = {}
    decided: set[int] = set()
    for cid, action, to_status, details in rows:
        if cid in found:
            continue
        if cid not in decided:
            if action in DECISIONS and to_status in DECIDED:
                decided.add(cid)
            continue
        try:
            moved = json.loads(details or "{}").get("due_at")
        except ValueError:
            continue
        if isinstance(moved, list) and len(moved) == 2 and moved[0]:
            found[cid] = datetime.fromisoformat(moved[0]).astimezone(timezone.utc)
    sqlite = bind.dialect.name == "sqlite"
    for cid, due in found.items():
        bind.execute(complaint.update().where(complaint.c.id == cid).values(
            decision_due_at=due.replace(tzinfo=None) if sqlite else due))


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("decision_due_at")
