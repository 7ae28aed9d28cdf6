"""one audit event per import batch with a Merkle root (issue 20): import_leaf

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08

An import writes one ``import`` event carrying the root of a Merkle tree (RFC 6962) over its
rows' leaves instead of one ``imported`` event per row; each leaf is kept here (the batch, its
place, the number, the status imported and the stamp of the row's content). Older batches keep
their per-row events and have no leaves: nothing is rewritten.
Frozen: written out by hand from the models; never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_leaf",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("stamp", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"]),
        sa.PrimaryKeyConstraint("batch_id", "position"),
        sa.UniqueConstraint("number"),
    )


def downgrade() -> None:
    op.drop_table("import_leaf")
