"""possible duplicates, per-programme blind-index keys, ciphertext write counters, export keys

Revision ID: 0008_duplicates_index_versions
Revises: 0008_eps_seances
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_duplicates_index_versions"
down_revision = '0008_eps_seances'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.add_column(sa.Column("possible_duplicate_of", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_children_possible_duplicate_of_children", "children", ["possible_duplicate_of"], ["id"]
        )
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blind_index_version", sa.Integer(), nullable=False, server_default="1"))
    # Existing programmes keep the instance-wide index until `parcours keys reindex` moves them.
    op.execute("UPDATE programmes SET blind_index_version = 0")
    # Write counters bound into ciphertexts; 0 for values written before (no counter in their AAD).
    with op.batch_alter_table("child_identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("write_count", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("document_contents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers_writes", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("archive_exports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wrapped_key", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("kek_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("archive_exports", schema=None) as batch_op:
        batch_op.drop_column("kek_version")
        batch_op.drop_column("wrapped_key")
    with op.batch_alter_table("document_contents", schema=None) as batch_op:
        batch_op.drop_column("answers_writes")
    with op.batch_alter_table("child_identities", schema=None) as batch_op:
        batch_op.drop_column("write_count")
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("blind_index_version")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_constraint("fk_children_possible_duplicate_of_children", type_="foreignkey")
        batch_op.drop_column("possible_duplicate_of")
