"""archive export jobs

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-25 21:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_archive_exports_programme_id_programmes")
        ),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], name=op.f("fk_archive_exports_requested_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_exports")),
        sa.UniqueConstraint("public_id", name=op.f("uq_archive_exports_public_id")),
    )
    with op.batch_alter_table("archive_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_archive_exports_programme_id"), ["programme_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("archive_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archive_exports_programme_id"))
    op.drop_table("archive_exports")
