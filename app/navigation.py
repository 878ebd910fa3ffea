"""Main navigation: each entry shows only to users whose role holds its permission."""

from __future__ import annotations

from flask import current_app

from app.authz.decorators import declared_permission
from app.authz.policy import policy
from app.i18n import _
from app.users.models import User

# (endpoint, label); an endpoint not registered (feature absent) is skipped.
ENTRIES = [
    ("children.index", _("Enfants suivis")),
    ("seances.index", _("Séances EPS")),
    ("eps.agenda", _("Situations pour l'EPS")),
    ("collective.index", _("Actions collectives")),
    ("parcours.waiting_list", _("Liste d'attente")),
    ("indicators.dashboard", _("Indicateurs")),
    ("programme_data.index", _("Données du programme")),
    ("imports.upload", _("Import")),
    ("archive.index", _("Archives")),
    ("retention.index", _("Élimination")),
    ("retention.edit_notice", _("Notice aux familles")),
    ("users.index", _("Comptes utilisateurs")),
    ("account.confirmations", _("Comptes à confirmer")),
    ("signing.certificate", _("Certificat de cachet")),
    ("audit.index", _("Journal d'audit")),
    ("network.index", _("Tableaux du réseau")),
    ("formsets.compare", _("Jeu de formulaires")),
    ("account.index", _("Mon compte")),
]


def nav_links(user: User) -> list[tuple[str, str]]:
    links = []
    for endpoint, label in ENTRIES:
        permission = declared_permission(current_app, endpoint)
        if permission is not None and policy(user, permission):
            links.append((endpoint, label))
    return links
