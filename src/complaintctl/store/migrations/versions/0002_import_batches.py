"""import batches (issue 3)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

The import_batch table (one row per `complaintctl import`), a nullable batch reference on
complaint, and the fields of other systems' exports (the CFPB's) kept on the complaint.
Frozen: written out by hand; never import the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("encoding", sa.String(length=32), nullable=True),
        sa.Column("tag", sa.String(length=40), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("rows_skipped", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("junk_lines", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_batch_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sub_product", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("sub_issue", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("company", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("state", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("zip_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("consumer_consent", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("company_response", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("company_public_response", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("sent_to_company_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("timely_response", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("consumer_disputed", sa.Boolean(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_complaint_import_batch_id"), ["import_batch_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_complaint_import_batch_id_import_batch", "import_batch", ["import_batch_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_constraint("fk_complaint_import_batch_id_import_batch", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_complaint_import_batch_id"))
        for column in (
            "consumer_disputed", "timely_response", "sent_to_company_at",
            "company_public_response", "company_response", "consumer_consent", "zip_code",
            "state", "company", "sub_issue", "sub_product", "import_batch_id",
        ):
            batch_op.drop_column(column)
    op.drop_table("import_batch")
