"""contract dates on the parcours, avenants, clear codes of exit evaluations

`parcours.date_fin_prevue` and `date_revision_prevue` come from the latest signed contract or
avenant (the référent's to-do reads them); `documents.amends_id` links an avenant to the contract
it amends; `exit_evaluations` and `evaluated_objectives` hold the coded next step and the
progression of each objective of a finalised exit evaluation, so that `evaluation.suite` and
`evaluation.progression` are grouped queries without decryption.

Revision ID: 0009_contrat
Revises: 0009_indicators_decisions_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_contrat"
down_revision = "0009_indicators_decisions_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("parcours", schema=None) as batch_op:
        batch_op.add_column(sa.Column("date_fin_prevue", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("date_revision_prevue", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN: a batch copy of `documents` fails on SQLite with foreign keys on (as
        # `parcours init` connects), since other tables reference it.
        op.execute("ALTER TABLE documents ADD COLUMN amends_id INTEGER REFERENCES documents (id)")
    else:
        op.add_column("documents", sa.Column("amends_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_documents_amends_id_documents"), "documents", "documents", ["amends_id"], ["id"])
    op.create_table(
        "exit_evaluations",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("parcours_id", sa.Integer(), nullable=False),
        sa.Column("finalised_on", sa.Date(), nullable=False),
        sa.Column("suite", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_exit_evaluations_document_id_documents")),
        sa.ForeignKeyConstraint(["parcours_id"], ["parcours.id"], name=op.f("fk_exit_evaluations_parcours_id_parcours")),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_exit_evaluations_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_exit_evaluations")),
    )
    with op.batch_alter_table("exit_evaluations", schema=None) as batch_op:
        batch_op.create_index("ix_exit_evaluations_period", ["programme_id", "finalised_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_exit_evaluations_parcours_id"), ["parcours_id"], unique=False)
    op.create_table(
        "evaluated_objectives",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("progression", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["exit_evaluations.document_id"],
            name=op.f("fk_evaluated_objectives_document_id_exit_evaluations"),
        ),
        sa.PrimaryKeyConstraint("document_id", "position", name=op.f("pk_evaluated_objectives")),
    )


def downgrade() -> None:
    op.drop_table("evaluated_objectives")
    with op.batch_alter_table("exit_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exit_evaluations_parcours_id"))
        batch_op.drop_index("ix_exit_evaluations_period")
    op.drop_table("exit_evaluations")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE documents DROP COLUMN amends_id")
    else:
        op.drop_constraint(op.f("fk_documents_amends_id_documents"), "documents", type_="foreignkey")
        op.drop_column("documents", "amends_id")
    # Plain DROP COLUMN (SQLite >= 3.35): a batch copy of a referenced table fails with foreign keys on.
    op.execute("ALTER TABLE parcours DROP COLUMN date_revision_prevue")
    op.execute("ALTER TABLE parcours DROP COLUMN date_fin_prevue")
