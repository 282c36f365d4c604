"""initial schema: grid tree, people, categories, reports, cases

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 22:54:09.170707
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('code', name=op.f('uq_department_code'))
    )
    op.create_table('grid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.Column('centroid_lon', sa.Float(), nullable=False),
    sa.Column('centroid_lat', sa.Float(), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('rural', sa.Boolean(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('organisations', sa.Integer(), nullable=False),
    sa.CheckConstraint('level IN (0, 1, 2, 3)', name=op.f('ck_grid_level')),
    sa.ForeignKeyConstraint(['parent_id'], ['grid.id'], name=op.f('fk_grid_parent_id_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid')),
    sa.UniqueConstraint('code', name=op.f('uq_grid_code'))
    )
    with op.batch_alter_table('grid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_parent_id'), ['parent_id'], unique=False)

    op.create_table('category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('handling_level', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('time_limit_hours', sa.Float(), nullable=True),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.CheckConstraint("urgency IN ('low', 'normal', 'high', 'critical')", name=op.f('ck_category_urgency')),
    sa.CheckConstraint('handling_level BETWEEN 0 AND 3', name=op.f('ck_category_handling_level')),
    sa.CheckConstraint('time_limit_hours IS NULL OR time_limit_hours > 0', name=op.f('ck_category_time_limit')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_category_department_id_department')),
    sa.ForeignKeyConstraint(['parent_id'], ['category.id'], name=op.f('fk_category_parent_id_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category')),
    sa.UniqueConstraint('code', name=op.f('uq_category_code'))
    )
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_parent_id'), ['parent_id'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('position', sa.String(length=50), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_person_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_department_id'), ['department_id'], unique=False)

    op.create_table('work_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_work_team_department_id_department')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_work_team_grid_id_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_team'))
    )
    with op.batch_alter_table('work_team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_team_grid_id'), ['grid_id'], unique=False)

    op.create_table('case_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deadline', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('handling_level', sa.Integer(), nullable=False),
    sa.Column('assignee_person_id', sa.Integer(), nullable=True),
    sa.Column('assignee_department_id', sa.Integer(), nullable=True),
    sa.Column('card', sa.String(length=8), nullable=False),
    sa.Column('escalations', sa.Integer(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("card IN ('none', 'yellow', 'red')", name=op.f('ck_case_file_card')),
    sa.CheckConstraint("channel IN ('handheld', 'sms', 'hotline', 'web', 'visit', 'open311', 'system')", name=op.f('ck_case_file_channel')),
    sa.CheckConstraint("state IN ('collected', 'registered', 'dispatched', 'handling', 'fed_back', 'closed', 'cancelled')", name=op.f('ck_case_file_state')),
    sa.CheckConstraint("urgency IN ('low', 'normal', 'high', 'critical')", name=op.f('ck_case_file_urgency')),
    sa.ForeignKeyConstraint(['assignee_department_id'], ['department.id'], name=op.f('fk_case_file_assignee_department_id_department')),
    sa.ForeignKeyConstraint(['assignee_person_id'], ['person.id'], name=op.f('fk_case_file_assignee_person_id_person')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_case_file_category_id_category')),
    sa.ForeignKeyConstraint(['city_id'], ['grid.id'], name=op.f('fk_case_file_city_id_grid')),
    sa.ForeignKeyConstraint(['community_id'], ['grid.id'], name=op.f('fk_case_file_community_id_grid')),
    sa.ForeignKeyConstraint(['district_id'], ['grid.id'], name=op.f('fk_case_file_district_id_grid')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_case_file_grid_id_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_file'))
    )
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_file_assignee_person_id'), ['assignee_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_file_state'), ['state'], unique=False)

    op.create_table('person_grid',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_person_grid_grid_id_grid'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_grid_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'grid_id', name=op.f('pk_person_grid'))
    )
    with op.batch_alter_table('person_grid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_grid_grid_id'), ['grid_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("language IN ('en', 'zh_Hans')", name=op.f('ck_user_account_language')),
    sa.CheckConstraint("role IN ('admin', 'leader', 'duty_officer', 'dispatcher', 'warning_officer', 'grid_worker', 'department_handler')", name=op.f('ck_user_account_role')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_user_account_grid_id_grid')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_user_account_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    op.create_table('work_team_member',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_work_team_member_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['work_team.id'], name=op.f('fk_work_team_member_team_id_work_team'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'person_id', name=op.f('pk_work_team_member'))
    )
    with op.batch_alter_table('work_team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_team_member_person_id'), ['person_id'], unique=False)

    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user_account.id'], name=op.f('fk_case_event_actor_user_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_case_event_case_id_case_file'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_event'))
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_event_case_id'), ['case_id'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('reporter_name', sa.String(length=100), nullable=True),
    sa.Column('reporter_phone', sa.String(length=20), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("channel IN ('handheld', 'sms', 'hotline', 'web', 'visit', 'open311', 'system')", name=op.f('ck_report_channel')),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_report_case_id_case_file')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_report_category_id_category')),
    sa.ForeignKeyConstraint(['city_id'], ['grid.id'], name=op.f('fk_report_city_id_grid')),
    sa.ForeignKeyConstraint(['community_id'], ['grid.id'], name=op.f('fk_report_community_id_grid')),
    sa.ForeignKeyConstraint(['district_id'], ['grid.id'], name=op.f('fk_report_district_id_grid')),
    sa.ForeignKeyConstraint(['grid_id'], ['grid.id'], name=op.f('fk_report_grid_id_grid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_received_at'), ['received_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_received_at'))
        batch_op.drop_index(batch_op.f('ix_report_grid_id'))
        batch_op.drop_index(batch_op.f('ix_report_district_id'))
        batch_op.drop_index(batch_op.f('ix_report_community_id'))
        batch_op.drop_index(batch_op.f('ix_report_city_id'))
        batch_op.drop_index(batch_op.f('ix_report_case_id'))

    op.drop_table('report')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_event_case_id'))

    op.drop_table('case_event')
    with op.batch_alter_table('work_team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_team_member_person_id'))

    op.drop_table('work_team_member')
    op.drop_table('user_account')
    with op.batch_alter_table('person_grid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_grid_grid_id'))

    op.drop_table('person_grid')
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_file_state'))
        batch_op.drop_index(batch_op.f('ix_case_file_grid_id'))
        batch_op.drop_index(batch_op.f('ix_case_file_district_id'))
        batch_op.drop_index(batch_op.f('ix_case_file_deadline'))
        batch_op.drop_index(batch_op.f('ix_case_file_created_at'))
        batch_op.drop_index(batch_op.f('ix_case_file_community_id'))
        batch_op.drop_index(batch_op.f('ix_case_file_closed_at'))
        batch_op.drop_index(batch_op.f('ix_case_file_city_id'))
        batch_op.drop_index(batch_op.f('ix_case_file_assignee_person_id'))

    op.drop_table('case_file')
    with op.batch_alter_table('work_team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_team_grid_id'))

    op.drop_table('work_team')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_department_id'))

    op.drop_table('person')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_parent_id'))

    op.drop_table('category')
    with op.batch_alter_table('grid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_parent_id'))

    op.drop_table('grid')
    op.drop_table('department')
