"""patrol check-ins

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 00:03:12.766585
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('patrol_check_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['city_id'], ['grid.id'], name=op.f('fk_patrol_check_in_city_id_grid')),
    sa.ForeignKeyConstraint(['community_id'], ['grid.id'], name=op.f('fk_patrol_check_in_community_id_grid')),
    sa.ForeignKeyConstraint(['district_id'], ['grid.id'], name=op.f('fk_patrol_check_in_district_id_grid')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_patrol_check_in_grid_id_grid')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_patrol_check_in_person_id_person')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_patrol_check_in_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patrol_check_in'))
    )
    with op.batch_alter_table('patrol_check_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_check_in_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_check_in_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_check_in_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_check_in_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_check_in_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_check_in_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('patrol_check_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_check_in_user_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_check_in_grid_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_check_in_district_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_check_in_community_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_check_in_city_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_check_in_at'))

    op.drop_table('patrol_check_in')
