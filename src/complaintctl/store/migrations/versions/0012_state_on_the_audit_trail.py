"""the state of the complaints an event changed, on the audit trail (issue 23): event.state

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

Events written before this revision have no state: ``audit verify`` counts the complaints whose
latest event has none as "not covered" (their next event covers them). Frozen: never import the
models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("state")
