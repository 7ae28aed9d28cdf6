"""consultations numbered per complaint (issue 22): consultation.seq

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-07

`answer CMP-2026-000007 1` is that complaint's first question: each consultation gets its
number within its complaint (1, 2, ...), unique per complaint. Existing rows are numbered in
the order they were asked (their id order within the complaint).
Frozen: written out by hand from the models; never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE consultation SET seq = (SELECT COUNT(*) FROM consultation AS earlier "
        "WHERE earlier.complaint_id = consultation.complaint_id "
        "AND earlier.id <= consultation.id)"
    )
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_consultation_complaint_seq",
                                          ["complaint_id", "seq"])


def downgrade() -> None:
    with op.batch_alter_table("consultation", schema=None) as batch_op:
        batch_op.drop_constraint("uq_consultation_complaint_seq", type_="unique")
        batch_op.drop_column("seq")
