"""follow-up journal and actions: clear journal entry dates, actions of a parcours with a status

`suivi` version 2 is the journal: one document per entry. `journal_entries` keeps the clear date
and type of each finalised entry; `parcours_actions` holds the actions, updatable without any
signature (provider, cost and funder encrypted with the child's key). Version-1 `suivi` documents
are left as they are.

Revision ID: 0009_followup_journal
Revises: 0009_contrat
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_followup_journal"
down_revision = "0009_contrat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), primary_key=True),
        sa.Column("programme_id", sa.Integer(), sa.ForeignKey("programmes.id"), nullable=False),
        sa.Column("parcours_id", sa.Integer(), sa.ForeignKey("parcours.id"), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
    )
    op.create_index("ix_journal_entries_parcours_date", "journal_entries", ["parcours_id", "entry_date"])
    op.create_table(
        "parcours_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(32), nullable=False),
        sa.Column("programme_id", sa.Integer(), sa.ForeignKey("programmes.id"), nullable=False),
        sa.Column("parcours_id", sa.Integer(), sa.ForeignKey("parcours.id"), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("modalite", sa.String(16), nullable=False),
        sa.Column("debut", sa.Date(), nullable=True),
        sa.Column("fin", sa.Date(), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("payload_writes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("public_id", name=op.f("uq_parcours_actions_public_id")),
    )
    op.create_index("ix_parcours_actions_parcours_id", "parcours_actions", ["parcours_id"])


def downgrade() -> None:
    op.drop_index("ix_parcours_actions_parcours_id", "parcours_actions")
    op.drop_table("parcours_actions")
    op.drop_index("ix_journal_entries_parcours_date", "journal_entries")
    op.drop_table("journal_entries")
