"""repeat complaints (issue 21): complaint.repeat_of and complaint_identity_key

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08

Repeat detection blocks on the customer's identity keys, hashed (SHA-256 of ``kind:value``,
32 hex digits; ``domain.repeats``) and indexed. Existing complaints (not erased) get their
keys here, computed as the domain computes them at the time of this revision.
Frozen: written out by hand from the models; never import the models here.
"""

import hashlib
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_COLUMNS = (("customer_id_number", "id_number"), ("customer_account", "account"),
            ("customer_phone", "phone"), ("customer_email", "email"),
            ("customer_ref", "customer_id"))


def _normal(kind: str, value: str) -> str:
    value = unicodedata.normalize("NFKC", value).strip()
    if kind == "phone":
        text = re.sub(r"[\s\-()（）]", "", value)
        for prefix in ("+86", "0086"):
            if text.startswith(prefix):
                return text[len(prefix):]
        if len(text) == 13 and text.startswith("86") and re.match(r"^1[3-9]\d{9}$", text[2:]):
            return text[2:]
        return text
    if kind == "account":
        return re.sub(r"[\s-]", "", value)
    if kind == "email":
        return value.casefold()
    return value.upper()


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat_of", sa.String(length=20), nullable=True))
    keys = op.create_table(
        "complaint_identity_key",
        sa.Column("complaint_id", sa.Integer(), sa.ForeignKey("complaint.id"), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("complaint_id", "digest"),
    )
    op.create_index("ix_identity_key_digest", "complaint_identity_key",
                    ["digest", "complaint_id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # a complaint's row: seen where the complaint is
        op.execute("ALTER TABLE complaint_identity_key ENABLE ROW LEVEL SECURITY")
        op.execute("CREATE POLICY complaintctl_branches ON complaint_identity_key USING "
                   "(EXISTS (SELECT 1 FROM complaint c WHERE c.id = complaint_id))")
    rows = bind.execute(sa.text(
        "SELECT id, " + ", ".join(c for c, _k in _COLUMNS)
        + " FROM complaint WHERE erased_at IS NULL ORDER BY id"))
    batch = []
    for row in rows:
        seen = set()
        for (column, kind), value in zip(_COLUMNS, row[1:], strict=True):
            if not value or not _normal(kind, value):
                continue
            digest = hashlib.sha256(f"{kind}:{_normal(kind, value)}".encode()).hexdigest()[:32]
            if digest not in seen:
                seen.add(digest)
                batch.append({"complaint_id": row[0], "digest": digest, "kind": kind})
    if batch:
        op.bulk_insert(keys, batch)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS complaintctl_branches ON complaint_identity_key")
    op.drop_index("ix_identity_key_digest", table_name="complaint_identity_key")
    op.drop_table("complaint_identity_key")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("repeat_of")
