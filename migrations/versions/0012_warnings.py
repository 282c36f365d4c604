"""warnings: the warning, its targets, its append-only history (each message's CAP identifier and references)
and acknowledgements (issue 13)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:28:56.460564
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('warning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('headline', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('sms_template', sa.Text(), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('scope_grid_id', sa.Integer(), nullable=False),
    sa.Column('issuer_user_id', sa.Integer(), nullable=True),
    sa.Column('issuer_name', sa.String(length=100), nullable=False),
    sa.Column('approver_user_id', sa.Integer(), nullable=True),
    sa.Column('approver_name', sa.String(length=100), nullable=True),
    sa.Column('pending_level', sa.String(length=8), nullable=True),
    sa.Column('pending_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("level IN ('blue', 'yellow', 'orange', 'red')", name=op.f('ck_warning_level')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'rejected', 'issued', 'lifted', 'expired')", name=op.f('ck_warning_status')),
    sa.CheckConstraint("type IN ('weather', 'flood', 'geological', 'fire', 'public_security', 'epidemic', 'other')", name=op.f('ck_warning_type')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_warning_period')),
    sa.CheckConstraint("pending_level IS NULL OR pending_level IN ('blue', 'yellow', 'orange', 'red')", name=op.f('ck_warning_pending_level')),
    sa.ForeignKeyConstraint(['pending_by_user_id'], ['user_account.id'], name=op.f('fk_warning_pending_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['approver_user_id'], ['user_account.id'], name=op.f('fk_warning_approver_user_id_user_account')),
    sa.ForeignKeyConstraint(['issuer_user_id'], ['user_account.id'], name=op.f('fk_warning_issuer_user_id_user_account')),
    sa.ForeignKeyConstraint(['scope_grid_id'], ['grid.id'], name=op.f('fk_warning_scope_grid_id_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning')),
    sa.UniqueConstraint('identifier', name=op.f('uq_warning_identifier'))
    )
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_scope_grid_id'), ['scope_grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_status'), ['status'], unique=False)

    op.create_table('warning_ack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.CheckConstraint("channel IN ('sms', 'handheld', 'web', 'phone')", name=op.f('ck_warning_ack_channel')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_warning_ack_grid_id_grid')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_warning_ack_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['warning_id'], ['warning.id'], name=op.f('fk_warning_ack_warning_id_warning'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_ack')),
    sa.UniqueConstraint('warning_id', 'person_id', 'grid_id', name='uq_warning_ack_once')
    )
    with op.batch_alter_table('warning_ack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_ack_warning_id'), ['warning_id'], unique=False)

    op.create_table('warning_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=10), nullable=True),
    sa.Column('to_status', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=False),
    sa.Column('identifier', sa.String(length=100), nullable=True),
    sa.Column('msg_type', sa.String(length=8), nullable=True),
    sa.Column('references', sa.Text(), nullable=True),
    sa.CheckConstraint("msg_type IS NULL OR msg_type IN ('Alert', 'Update', 'Cancel')", name=op.f('ck_warning_event_msg_type')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user_account.id'], name=op.f('fk_warning_event_actor_user_id_user_account')),
    sa.ForeignKeyConstraint(['warning_id'], ['warning.id'], name=op.f('fk_warning_event_warning_id_warning'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_event')),
    sa.UniqueConstraint('identifier', name=op.f('uq_warning_event_identifier'))
    )
    with op.batch_alter_table('warning_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_event_warning_id'), ['warning_id'], unique=False)

    op.create_table('warning_target',
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('subtree', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_warning_target_grid_id_grid')),
    sa.ForeignKeyConstraint(['warning_id'], ['warning.id'], name=op.f('fk_warning_target_warning_id_warning'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('warning_id', 'grid_id', name=op.f('pk_warning_target'))
    )
    with op.batch_alter_table('warning_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warning_target_grid_id'), ['grid_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('warning_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_target_grid_id'))

    op.drop_table('warning_target')
    with op.batch_alter_table('warning_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_event_warning_id'))

    op.drop_table('warning_event')
    with op.batch_alter_table('warning_ack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_ack_warning_id'))

    op.drop_table('warning_ack')
    with op.batch_alter_table('warning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_warning_status'))
        batch_op.drop_index(batch_op.f('ix_warning_scope_grid_id'))
        batch_op.drop_index(batch_op.f('ix_warning_ends_at'))

    op.drop_table('warning')
