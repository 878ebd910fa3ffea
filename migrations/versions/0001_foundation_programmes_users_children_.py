"""foundation: programmes, users, children, parcours, documents, audit

Revision ID: 0001
Revises:
Create Date: 2026-11-25 21:01:22.748736
"""

from alembic import op
import sqlalchemy as sa


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
        sa.UniqueConstraint("code", name=op.f("uq_programmes_code")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"], name=op.f("fk_users_programme_id_programmes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "children",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("referent_id", sa.Integer(), nullable=True),
        sa.Column("pseudonym", sa.String(length=16), nullable=False),
        sa.Column("sexe", sa.String(length=1), nullable=False),
        sa.Column("annee_naissance", sa.Integer(), nullable=False),
        sa.Column("famille_digest", sa.String(length=64), nullable=True),
        sa.Column("ref_digest", sa.String(length=64), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("last_contact", sa.Date(), nullable=False),
        sa.Column("imported", sa.Boolean(), nullable=False),
        sa.Column("purged_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"], name=op.f("fk_children_programme_id_programmes")),
        sa.ForeignKeyConstraint(["referent_id"], ["users.id"], name=op.f("fk_children_referent_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_children")),
        sa.UniqueConstraint("programme_id", "pseudonym", name=op.f("uq_children_programme_id_pseudonym")),
        sa.UniqueConstraint("programme_id", "ref_digest", name=op.f("uq_children_programme_id_ref_digest")),
        sa.UniqueConstraint("public_id", name=op.f("uq_children_public_id")),
    )
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_children_programme_id"), ["programme_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_children_referent_id"), ["referent_id"], unique=False)

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "child_identities",
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("nom", sa.LargeBinary(), nullable=False),
        sa.Column("prenom", sa.LargeBinary(), nullable=False),
        sa.Column("date_naissance", sa.LargeBinary(), nullable=False),
        sa.Column("adresse", sa.LargeBinary(), nullable=True),
        sa.Column("ref_enfant", sa.LargeBinary(), nullable=True),
        sa.Column("ref_famille", sa.LargeBinary(), nullable=True),
        sa.Column("responsables", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["child_id"], ["children.id"], name=op.f("fk_child_identities_child_id_children")),
        sa.PrimaryKeyConstraint("child_id", name=op.f("pk_child_identities")),
    )
    op.create_table(
        "child_search_index",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["child_id"], ["children.id"], name=op.f("fk_child_search_index_child_id_children")),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name=op.f("fk_child_search_index_programme_id_programmes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_search_index")),
    )
    with op.batch_alter_table("child_search_index", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_child_search_index_child_id"), ["child_id"], unique=False)
        batch_op.create_index("ix_child_search_index_lookup", ["programme_id", "digest"], unique=False)

    op.create_table(
        "parcours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("date_orientation", sa.Date(), nullable=False),
        sa.Column("orienteur", sa.String(length=32), nullable=False),
        sa.Column("decision_eps", sa.String(length=16), nullable=False),
        sa.Column("date_decision", sa.Date(), nullable=True),
        sa.Column("date_entree", sa.Date(), nullable=True),
        sa.Column("date_sortie", sa.Date(), nullable=True),
        sa.Column("motif_sortie", sa.String(length=32), nullable=True),
        sa.Column("niveau", sa.String(length=16), nullable=True),
        sa.Column("cycle", sa.String(length=16), nullable=True),
        sa.Column("qpv", sa.String(length=8), nullable=True),
        sa.Column("rep", sa.String(length=16), nullable=True),
        sa.Column("eps_facts_shared", sa.Boolean(), nullable=False),
        sa.Column("imported", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["child_id"], ["children.id"], name=op.f("fk_parcours_child_id_children")),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"], name=op.f("fk_parcours_programme_id_programmes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcours")),
        sa.UniqueConstraint("public_id", name=op.f("uq_parcours_public_id")),
    )
    with op.batch_alter_table("parcours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parcours_child_id"), ["child_id"], unique=False)
        batch_op.create_index("ix_parcours_programme_entree", ["programme_id", "date_entree"], unique=False)
        batch_op.create_index("ix_parcours_programme_orientation", ["programme_id", "date_orientation"], unique=False)

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("parcours_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=40), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("form_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finalised_at", sa.DateTime(), nullable=True),
        sa.Column("finalised_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["child_id"], ["children.id"], name=op.f("fk_documents_child_id_children")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_documents_created_by_users")),
        sa.ForeignKeyConstraint(["finalised_by"], ["users.id"], name=op.f("fk_documents_finalised_by_users")),
        sa.ForeignKeyConstraint(["parcours_id"], ["parcours.id"], name=op.f("fk_documents_parcours_id_parcours")),
        sa.ForeignKeyConstraint(["previous_id"], ["documents.id"], name=op.f("fk_documents_previous_id_documents")),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"], name=op.f("fk_documents_programme_id_programmes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("public_id", name=op.f("uq_documents_public_id")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_child_id"), ["child_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_finalised_at"), ["finalised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_parcours_id"), ["parcours_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "parcours_codes",
        sa.Column("parcours_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["parcours_id"], ["parcours.id"], name=op.f("fk_parcours_codes_parcours_id_parcours")),
        sa.PrimaryKeyConstraint("parcours_id", "dimension", "code", name=op.f("pk_parcours_codes")),
    )
    with op.batch_alter_table("parcours_codes", schema=None) as batch_op:
        batch_op.create_index("ix_parcours_codes_dimension_code", ["dimension", "code"], unique=False)

    op.create_table(
        "parcours_details",
        sa.Column("parcours_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parcours_id"], ["parcours.id"], name=op.f("fk_parcours_details_parcours_id_parcours")
        ),
        sa.PrimaryKeyConstraint("parcours_id", name=op.f("pk_parcours_details")),
    )
    op.create_table(
        "document_contents",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.LargeBinary(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_contents_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_contents")),
    )


def downgrade() -> None:
    op.drop_table("document_contents")
    op.drop_table("parcours_details")
    with op.batch_alter_table("parcours_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_parcours_codes_dimension_code")

    op.drop_table("parcours_codes")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_programme_id"))
        batch_op.drop_index(batch_op.f("ix_documents_parcours_id"))
        batch_op.drop_index(batch_op.f("ix_documents_finalised_at"))
        batch_op.drop_index(batch_op.f("ix_documents_child_id"))

    op.drop_table("documents")
    with op.batch_alter_table("parcours", schema=None) as batch_op:
        batch_op.drop_index("ix_parcours_programme_orientation")
        batch_op.drop_index("ix_parcours_programme_entree")
        batch_op.drop_index(batch_op.f("ix_parcours_child_id"))

    op.drop_table("parcours")
    with op.batch_alter_table("child_search_index", schema=None) as batch_op:
        batch_op.drop_index("ix_child_search_index_lookup")
        batch_op.drop_index(batch_op.f("ix_child_search_index_child_id"))

    op.drop_table("child_search_index")
    op.drop_table("child_identities")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_children_referent_id"))
        batch_op.drop_index(batch_op.f("ix_children_programme_id"))

    op.drop_table("children")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_programme_id"))

    op.drop_table("users")
    op.drop_table("programmes")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_programme_id"))

    op.drop_table("audit_events")
