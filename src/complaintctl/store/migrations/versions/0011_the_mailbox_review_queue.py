"""the mailbox's review queue (issue 25): mail_review

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

A message whose sender cannot be told is no longer a failure: it waits in mail_review for a
person to accept (a complaint through the normal registration) or reject it with a reason.
Frozen: written out by hand from the models; never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_key", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("problem", sa.String(length=32), nullable=False),
        sa.Column("sender", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receipt", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("queued_by", sa.String(length=64), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mail_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_review_message_key"), ["message_key"],
                              unique=True)
        batch_op.create_index(batch_op.f("ix_mail_review_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mail_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_review_status"))
        batch_op.drop_index(batch_op.f("ix_mail_review_message_key"))
    op.drop_table("mail_review")
