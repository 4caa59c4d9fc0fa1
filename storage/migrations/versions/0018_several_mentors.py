"""how many mentors each mentee wants, and of which kinds, in a program that allows several

Two new columns with defaults: every existing person is kept, wanting one mentor of any kind (as before).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mentors_wanted", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("mentor_kinds_wanted", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("mentor_kinds_wanted")
        batch_op.drop_column("mentors_wanted")
