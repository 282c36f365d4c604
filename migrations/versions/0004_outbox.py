"""transactional outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 00:15:46.848537
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_outbox_event_case_id_case_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['city_id'], ['grid.id'], name=op.f('fk_outbox_event_city_id_grid')),
    sa.ForeignKeyConstraint(['community_id'], ['grid.id'], name=op.f('fk_outbox_event_community_id_grid')),
    sa.ForeignKeyConstraint(['district_id'], ['grid.id'], name=op.f('fk_outbox_event_district_id_grid')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_outbox_event_grid_id_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_event'))
    )
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_event_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_event_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_event_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_event_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_event_published_at'), ['published_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_event_published_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_event_grid_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_event_district_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_event_community_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_event_city_id'))

    op.drop_table('outbox_event')
