"""late registration (issue 23): complaint.late_reason, complaint.late_recorded_at

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

A complaint registered with a receipt or registration time more than clock.late_window_days
back keeps the reason given and when it was recorded; complaints registered before this
revision were on time as far as the database knows (NULL). Frozen: never import the models
here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("late_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("late_recorded_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("late_recorded_at")
        batch_op.drop_column("late_reason")
