"""the online platform's access codes (issue 19): access_code

Revision ID: 0017
Revises: 0012
Create Date: 2026-12-07

A complaint registered on the online platform gets a one-time access code for its status
page; only the code's SHA-256 digest is stored, keyed by the complaint number.
Frozen: written out by hand from the models; never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reissued", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("access_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_code_number"), ["number"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("access_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_code_number"))
    op.drop_table("access_code")
