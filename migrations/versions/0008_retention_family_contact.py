"""retention: last contact from the family, élimination visas and bordereaux, family notices

`children.last_contact` (moved forward by any staff edit) becomes `last_family_contact`, derived
for existing children from what the family did: the orientation (made with their agreement), the
contract (entry date, signed by them), an exit they signed, and the date of each finalised first
version of a document that carries a parent's signature (orientation, suivi, fin de prise en
charge). It is never later than the former value.

Revision ID: 0008_retention_family_contact
Revises: 0008_orientations_index
"""

from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008_retention_family_contact"
down_revision = "0008_orientations_index"
branch_labels = None
depends_on = None

# Frozen copies: a migration must not change when the application code does.
EXITS_WITHOUT_FAMILY = ("perte_contact", "demenagement", "refus_retrait_famille")
FORMS_SIGNED_BY_A_PARENT = ("orientation", "suivi", "fin_prise_en_charge")


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    return date.fromisoformat(text[:10])


def _derive(connection: sa.Connection) -> None:
    children = sa.table("children", sa.column("id"), sa.column("last_family_contact", sa.Date))
    parcours = sa.table(
        "parcours",
        sa.column("child_id"),
        sa.column("date_orientation", sa.Date),
        sa.column("date_entree", sa.Date),
        sa.column("date_sortie", sa.Date),
        sa.column("motif_sortie"),
    )
    documents = sa.table(
        "documents",
        sa.column("child_id"),
        sa.column("form_id"),
        sa.column("status"),
        sa.column("previous_id"),
        sa.column("finalised_at", sa.DateTime),
    )
    found: dict[int, date] = {}

    def seen(child_id: int, *days: object) -> None:
        for day in map(_as_date, days):
            if day is not None and (child_id not in found or day > found[child_id]):
                found[child_id] = day

    rows = connection.execute(
        sa.select(
            parcours.c.child_id,
            parcours.c.date_orientation,
            parcours.c.date_entree,
            parcours.c.date_sortie,
            parcours.c.motif_sortie,
        )
    )
    for child_id, oriented, entree, sortie, motif in rows:
        seen(child_id, oriented, entree, sortie if motif not in EXITS_WITHOUT_FAMILY else None)
    signed = sa.select(documents.c.child_id, documents.c.finalised_at).where(
        documents.c.status == "finalise",
        documents.c.previous_id.is_(None),
        documents.c.form_id.in_(FORMS_SIGNED_BY_A_PARENT),
    )
    for child_id, finalised_at in connection.execute(signed):
        seen(child_id, finalised_at)
    updates = []
    for child_id, former in connection.execute(sa.select(children.c.id, children.c.last_family_contact)):
        former_day = _as_date(former)
        derived = found.get(child_id)
        if derived is not None and former_day is not None and derived < former_day:
            updates.append({"child_pk": child_id, "day": derived})
    if updates:
        connection.execute(
            children.update().where(children.c.id == sa.bindparam("child_pk")).values(last_family_contact=sa.bindparam("day")),
            updates,
        )


def upgrade() -> None:
    # A plain RENAME COLUMN (SQLite >= 3.25, PostgreSQL): a batch copy of `children` would fail on
    # SQLite with foreign keys on (as `parcours init` connects), since other tables reference it.
    op.execute("ALTER TABLE children RENAME COLUMN last_contact TO last_family_contact")
    _derive(op.get_bind())

    op.create_table(
        "elimination_visas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("first_year", sa.Integer(), nullable=False),
        sa.Column("last_year", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"], name=op.f("fk_elimination_visas_programme_id_programmes")),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name=op.f("fk_elimination_visas_recorded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elimination_visas")),
        sa.UniqueConstraint("programme_id", "number", name=op.f("uq_elimination_visas_programme_id_number")),
        sa.UniqueConstraint("public_id", name=op.f("uq_elimination_visas_public_id")),
    )
    with op.batch_alter_table("elimination_visas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_elimination_visas_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "eliminations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("visa_id", sa.Integer(), nullable=False),
        sa.Column("performed_at", sa.DateTime(), nullable=False),
        sa.Column("performed_by", sa.Integer(), nullable=True),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("forced", sa.Integer(), nullable=False),
        sa.Column("bordereau", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["performed_by"], ["users.id"], name=op.f("fk_eliminations_performed_by_users")),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"], name=op.f("fk_eliminations_programme_id_programmes")),
        sa.ForeignKeyConstraint(["visa_id"], ["elimination_visas.id"], name=op.f("fk_eliminations_visa_id_elimination_visas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eliminations")),
        sa.UniqueConstraint("public_id", name=op.f("uq_eliminations_public_id")),
    )
    with op.batch_alter_table("eliminations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_eliminations_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "family_notices",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("controller", sa.Text(), nullable=False),
        sa.Column("purposes", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("retention", sa.Text(), nullable=False),
        sa.Column("rights", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"], name=op.f("fk_family_notices_programme_id_programmes")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_family_notices_updated_by_users")),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_family_notices")),
    )


def downgrade() -> None:
    op.drop_table("family_notices")
    with op.batch_alter_table("eliminations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eliminations_programme_id"))
    op.drop_table("eliminations")
    with op.batch_alter_table("elimination_visas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_elimination_visas_programme_id"))
    op.drop_table("elimination_visas")
    op.execute("ALTER TABLE children RENAME COLUMN last_family_contact TO last_contact")
