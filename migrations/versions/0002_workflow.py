"""workflow: versions, duplicates, postponement, attachments, API tokens, offline client ids

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:17:00.316739
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_file.id'], name=op.f('fk_attachment_case_id_case_file'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['case_event.id'], name=op.f('fk_attachment_event_id_case_event')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_attachment_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.Text(), nullable=True))

    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervised', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('postpone_requested_hours', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_file_duplicate_of_id_case_file'), 'case_file', ['duplicate_of_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_case_file_merged_into_id_case_file'), 'case_file', ['merged_into_id'], ['id'])
        batch_op.create_index('ix_case_file_category_created', ['category_id', 'created_at'], unique=False)

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_report_client', ['submitted_by_id', 'client_id'])
        batch_op.create_foreign_key(batch_op.f('fk_report_submitted_by_id_user_account'), 'user_account', ['submitted_by_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_report_submitted_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint('uq_report_client', type_='unique')
        batch_op.drop_column('client_id')
        batch_op.drop_column('submitted_by_id')

    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_index('ix_case_file_category_created')
        batch_op.drop_constraint(batch_op.f('fk_case_file_merged_into_id_case_file'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_case_file_duplicate_of_id_case_file'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('duplicate_of_id')
        batch_op.drop_column('postpone_requested_hours')
        batch_op.drop_column('supervised')

    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_column('detail')

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_case_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
