"""CBIRC Art 17, 19 and 21 (issue 24): the recusal flag, the decision's reasons and basis,
the notice attempts

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-07

complaint.reassign_reason: set when a conflict is recorded for the current assignee (Art 17),
cleared by the next assignment. complaint.decision_reasons and decision_basis: what a decision
rests on and the language of its notice (Art 19). complaint.notice_attempts and notice_unreachable: the attempts to tell a
customer who could not be reached (Art 21). Frozen: never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reassign_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("decision_reasons", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("decision_basis", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("notice_language", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("notice_attempts", sa.Integer(), nullable=False,
                                      server_default=sa.text("0")))
        batch_op.add_column(sa.Column("notice_unreachable", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        for name in ("notice_unreachable", "notice_attempts", "notice_language",
                     "decision_basis", "decision_reasons", "reassign_reason"):
            batch_op.drop_column(name)
