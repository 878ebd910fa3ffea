"""The codes and French labels of the programme's data of the year (data, not layout)."""

from __future__ import annotations

from app.i18n import _

STAFF = {
    "coordination": _("Coordination"),
    "referents": _("Référent·es de parcours"),
    "intervenants": _("Intervenant·es (psychologue, éducateur·rice…)"),
    "administratif": _("Secrétariat et administration"),
    "autre": _("Autres fonctions"),
}
FUNDERS = {
    "etat_anct": _("État (ANCT, politique de la ville)"),
    "commune_epci": _("Commune ou intercommunalité"),
    "caf": _("CAF"),
    "departement": _("Département"),
    "region": _("Région"),
    "ars": _("ARS"),
    "autre": _("Autres financeurs"),
}
PARTNERS = {
    "education_nationale": _("Éducation nationale"),
    "sante": _("Santé"),
    "social": _("Action sociale"),
    "associations": _("Associations"),
    "culture_sport": _("Culture, sport, loisirs"),
    "autre": _("Autres partenaires"),
}
SCHOOLS = {
    "ecole_maternelle": _("Écoles maternelles"),
    "ecole_elementaire": _("Écoles élémentaires"),
    "college": _("Collèges"),
    "lycee": _("Lycées"),
    "autre": _("Autres établissements"),
}
# section of the table -> (key in the indicators JSON, codes, whether values are whole numbers)
SECTIONS = {
    "effectifs": ("effectifs_etp", STAFF, False),
    "financements": ("financements", FUNDERS, False),
    "partenaires": ("partenaires", PARTNERS, True),
    "etablissements": ("etablissements", SCHOOLS, True),
}
QPV = "qpv"
KEY = "donnees_programme"
