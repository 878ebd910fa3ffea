"""programmes: the time zone in which their users read times (stored times stay in UTC)

Revision ID: 0009_programme_timezone
Revises: 0009_collective_actions
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_programme_timezone"
down_revision = "0009_collective_actions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programmes") as batch:
        batch.add_column(sa.Column("timezone", sa.String(64), server_default="Europe/Paris", nullable=False))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch copy of `programmes` would drop a
    # table every other table refers to.
    op.execute("ALTER TABLE programmes DROP COLUMN timezone")
