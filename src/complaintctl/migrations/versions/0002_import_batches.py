"""import batches (issue 3)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

A reserved slot so parallel work keeps one linear history: filled in by the change that needs
it. Frozen once filled: never import the models here.
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
