"""identity (issue 18): passwords, sign-in sessions, API tokens, sign-in attempts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

A database that already has staff was used without sign-in: it is marked ``auth.mode =
required``, and it behaves as before (``--as`` honoured), saying so on every command, until
an admin has a password (``complaintctl staff passwd ADMIN``). A new database gets its mode
from ``init`` (``--no-auth`` or not). Frozen: written out by hand; never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("must_change", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("staff_id"),
    )
    op.create_table(
        "sign_in_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("client", sa.String(length=200), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for table, column in (("sign_in_session", "username"), ("api_token", "username"),
                          ("sign_in_attempt", "username"), ("sign_in_attempt", "at")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)
    _mark_existing_database(op.get_bind())


def _mark_existing_database(bind) -> None:
    """A database with staff predates sign-in: it will require it once an admin has a
    password (until then it says, on every command, that it does not check)."""
    staff = sa.table("staff", sa.column("id"))
    setting = sa.table("setting", sa.column("key"), sa.column("value"))
    if bind.execute(sa.select(staff.c.id).limit(1)).first() is not None:
        bind.execute(setting.insert().values(key="auth.mode", value="required"))


def downgrade() -> None:
    op.execute("DELETE FROM setting WHERE key = 'auth.mode'")
    for table, column in (("sign_in_session", "username"), ("api_token", "username"),
                          ("sign_in_attempt", "username"), ("sign_in_attempt", "at")):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
    for table in ("sign_in_attempt", "api_token", "sign_in_session", "credential"):
        op.drop_table(table)
