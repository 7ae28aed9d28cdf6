"""the complaint emergency plan (issue 6)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

Plan versions, incidents (with their complaints, timeline, checklist and rectification
actions) and drills. The default plan is stored on first use, not here. Frozen: never import
the models here.
"""

from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('loaded_by', sa.String(length=64), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('drill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario', sa.String(length=20), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('delays', sa.Text(), nullable=True),
    sa.Column('complaints', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('lessons', sa.Text(), nullable=True),
    sa.Column('revisions', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('detected_level', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('trigger', sa.String(length=64), nullable=False),
    sa.Column('cluster_key', sa.String(length=300), nullable=True),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=True),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('declared_by', sa.String(length=64), nullable=False),
    sa.Column('last_action_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('cause', sa.Text(), nullable=True),
    sa.Column('nature', sa.Text(), nullable=True),
    sa.Column('harm', sa.Text(), nullable=True),
    sa.Column('customer_reaction', sa.Text(), nullable=True),
    sa.Column('trend', sa.Text(), nullable=True),
    sa.Column('planned_measures', sa.Text(), nullable=True),
    sa.Column('reporter', sa.String(length=200), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('people', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('review', sa.Text(), nullable=True),
    sa.Column('root_cause', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['drill_id'], ['drill.id'], ),
    sa.ForeignKeyConstraint(['plan_version_id'], ['plan_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_cluster_key'), ['cluster_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_drill_id'), ['drill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_status'), ['status'], unique=False)

    op.create_table('checklist_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('person', sa.String(length=200), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('incident_id', 'seq', name='uq_checklist_item_seq')
    )
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checklist_item_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_checklist_item_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incident_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_action_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_complaint',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('linked_by', sa.String(length=64), nullable=False),
    sa.Column('via', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('incident_id', 'complaint_id')
    )
    with op.batch_alter_table('incident_complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_complaint_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('incident_rectification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incident_rectification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_rectification_incident_id'), ['incident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incident_rectification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_rectification_incident_id'))

    op.drop_table('incident_rectification')
    with op.batch_alter_table('incident_complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_complaint_complaint_id'))

    op.drop_table('incident_complaint')
    with op.batch_alter_table('incident_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_action_incident_id'))

    op.drop_table('incident_action')
    with op.batch_alter_table('checklist_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checklist_item_incident_id'))
        batch_op.drop_index(batch_op.f('ix_checklist_item_due_at'))

    op.drop_table('checklist_item')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_status'))
        batch_op.drop_index(batch_op.f('ix_incident_drill_id'))
        batch_op.drop_index(batch_op.f('ix_incident_cluster_key'))

    op.drop_table('incident')
    op.drop_table('drill')
    op.drop_table('plan_version')
