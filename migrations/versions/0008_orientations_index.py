"""covering index for the orientations of a period

`parcours indicators` counts a year's orientations by orienteur and decision: with these two
columns in the index, the count reads the index alone instead of looking up every table row
(100,000 parcours of a real programme's history, SQLite: about 4 times less work for that query).
The index replaces the narrower (programme_id, date_orientation) one, its prefix.

Revision ID: 0008_orientations_index
Revises: 0007
"""

from alembic import op

revision = "0008_orientations_index"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("parcours", schema=None) as batch_op:
        batch_op.drop_index("ix_parcours_programme_orientation")
        batch_op.create_index(
            "ix_parcours_orientations", ["programme_id", "date_orientation", "orienteur", "decision_eps"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("parcours", schema=None) as batch_op:
        batch_op.drop_index("ix_parcours_orientations")
        batch_op.create_index("ix_parcours_programme_orientation", ["programme_id", "date_orientation"], unique=False)
