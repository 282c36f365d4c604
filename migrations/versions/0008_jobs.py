"""durable jobs: side effects carried out once the change that wanted them has committed

One row per side effect (an SMS, a webhook call, a CAP publication), named
by a unique idempotency key so that asking twice makes one job. Workers look
for pending jobs and running ones whose lease expired, by next_attempt_at:
a partial index holds only those, not the done and failed ones that pile up.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:20:12.672859
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

UNFINISHED = sa.text("status IN ('pending', 'running')")


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name=op.f('ck_job_status')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_job_attempts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_job_idempotency_key'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_due', ['next_attempt_at'], unique=False,
                              postgresql_where=UNFINISHED, sqlite_where=UNFINISHED)


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_due')
    op.drop_table('job')
