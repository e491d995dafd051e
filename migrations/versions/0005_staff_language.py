"""each staff member's interface language, kept on the account

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 02:05:00

NULL until the person's next sign-in, which takes it from the browser.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(
            'language_known', "language IS NULL OR language IN ('uk', 'ru', 'en')")


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_language_known'), type_='check')
        batch_op.drop_column('language')
