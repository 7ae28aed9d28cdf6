"""the regulatory clock and notifications (issue 4)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

A reserved slot so parallel work keeps one linear history: filled in by the change that needs
it. Frozen once filled: never import the models here.
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
