"""the regulatory clock and notifications (issue 4)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

The complaint's clock (profile, anchor, pause flag, extension, escalation and warning levels,
review), staff seniority and conflicts (recusal), approvals, and the notification outbox.
Frozen: written out by hand from the models; never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("senior", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clock_profile", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("clock_kind", sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column("clock_started_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("extension_level", sa.Integer(), server_default=sa.text("0"),
                      nullable=False)
        )
        batch_op.add_column(
            sa.Column("escalation_level", sa.Integer(), server_default=sa.text("0"),
                      nullable=False)
        )
        batch_op.add_column(
            sa.Column("warned_percent", sa.Integer(), server_default=sa.text("0"),
                      nullable=False)
        )
        batch_op.add_column(
            sa.Column("review_requested_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("review_result", sa.String(length=10), nullable=True))

    op.create_table(
        "pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.Column("customer_notified_via", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pause_complaint_id"), ["complaint_id"], unique=False)

    op.create_table(
        "approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approver", sa.String(length=64), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("customer_notified_via", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_approval_complaint_id"), ["complaint_id"], unique=False
        )

    op.create_table(
        "staff_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "kind", "value", name="uq_staff_conflict"),
    )
    with op.batch_alter_table("staff_conflict", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_conflict_staff_id"), ["staff_id"], unique=False
        )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_status"), ["status"], unique=False)

    op.create_table(
        "notification_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.String(length=10), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notification_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_attempt_notification_id"), ["notification_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_attempt_notification_id"))
    op.drop_table("notification_attempt")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_status"))
        batch_op.drop_index(batch_op.f("ix_notification_complaint_id"))
    op.drop_table("notification")
    with op.batch_alter_table("staff_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_conflict_staff_id"))
    op.drop_table("staff_conflict")
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_complaint_id"))
    op.drop_table("approval")
    with op.batch_alter_table("pause", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pause_complaint_id"))
    op.drop_table("pause")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        for column in ("review_result", "review_requested_at", "warned_percent",
                       "escalation_level", "extension_level", "paused", "clock_started_at",
                       "clock_kind", "clock_profile"):
            batch_op.drop_column(column)
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("senior")
