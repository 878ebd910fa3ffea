"""covering index for the orientation-to-decision delays of a period

`parcours indicators` reads the delay of every situation decided in the period: without an index
on the decision date SQLite scanned the whole table (100,000 parcours of a real programme's
history: about 130 ms of CPU for this one figure, 5 ms with this index).

Revision ID: 0009_indicators_decisions_index
Revises: 0008_retention_family_contact
"""

from alembic import op

revision = "0009_indicators_decisions_index"
down_revision = "0008_retention_family_contact"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("parcours", schema=None) as batch_op:
        batch_op.create_index(
            "ix_parcours_decisions", ["programme_id", "date_decision", "decision_eps", "date_orientation"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("parcours", schema=None) as batch_op:
        batch_op.drop_index("ix_parcours_decisions")
