"""CBIRC 2020 Art 12, 22 and 33 (issue 24): a group complaint's representatives, the
customer's identity verification, a regulator referral's deadline and its report back

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-07

complaint.representatives: the representatives of a joint complaint (Art 12), JSON, personal
data (purge erases it). complaint.identity_verified_at/_method/_by: how the customer's identity
was verified (Art 22). complaint.regulator_due: the regulator's deadline for a referral (Art
33), an ISO date; complaint.referral_reported_at: when the report back was produced. Existing
complaints get NULL in each. Frozen: never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0016"
branch_labels = None
depends_on = None

COLUMNS = ("representatives", "identity_verified_at", "identity_method",
           "identity_verified_by", "regulator_due", "referral_reported_at")


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("representatives", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("identity_verified_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("identity_method", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("identity_verified_by", sa.String(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column("regulator_due", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("referral_reported_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
