"""retention: legal holds and erasure on complaints (issue 7)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

Frozen: written out by hand from the models; never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_hold_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("legal_hold_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("legal_hold_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("legal_hold_reason")
        batch_op.drop_column("legal_hold_by")
        batch_op.drop_column("legal_hold_at")
