"""second factor (issue 18): each member of staff's TOTP secret, encrypted

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-07

Frozen: written out by hand; never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mfa_secret",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_step", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("staff_id"),
    )


def downgrade() -> None:
    op.drop_table("mfa_secret")
