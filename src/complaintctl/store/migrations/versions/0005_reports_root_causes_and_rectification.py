"""reports: root causes and rectification (issue 5)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

Root causes recorded on closed complaints, rectification actions linking many complaints, and
the indexes the reports read through (closure time, last activity, each complaint's events by
time, and decisions by action). Frozen: never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint_root_cause",
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("complaint_id"),
    )
    with op.batch_alter_table("complaint_root_cause", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_root_cause_code", ["code"], unique=False)

    op.create_table(
        "rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("branch", sa.String(length=64), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.create_index("ix_rectification_cause", ["cause"], unique=False)
        batch_op.create_index("ix_rectification_status", ["status"], unique=False)

    op.create_table(
        "rectification_complaint",
        sa.Column("rectification_id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["rectification_id"], ["rectification.id"]),
        sa.PrimaryKeyConstraint("rectification_id", "complaint_id"),
    )
    with op.batch_alter_table("rectification_complaint", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rectification_complaint_complaint_id", ["complaint_id"], unique=False
        )

    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_closed_at", ["closed_at"], unique=False)
        batch_op.create_index("ix_complaint_last_event_at", ["last_event_at"], unique=False)
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_complaint_at", ["complaint_id", "at"], unique=False)
        batch_op.create_index(
            "ix_event_action_status", ["action", "to_status", "complaint_id", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_action_status")
        batch_op.drop_index("ix_event_complaint_at")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_last_event_at")
        batch_op.drop_index("ix_complaint_closed_at")
    with op.batch_alter_table("rectification_complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_rectification_complaint_complaint_id")
    op.drop_table("rectification_complaint")
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.drop_index("ix_rectification_status")
        batch_op.drop_index("ix_rectification_cause")
    op.drop_table("rectification")
    with op.batch_alter_table("complaint_root_cause", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_root_cause_code")
    op.drop_table("complaint_root_cause")
