"""French names of what the audit trail records: families of actions, actions and object types."""

from __future__ import annotations

from app.exits.models import EFFECTIVE, PROPOSED, REFUSED
from app.i18n import _
from app.nomenclature import nomenclature

# The families of actions an admin filters on, by prefix of the action name.
CATEGORIES = {
    "login": _("Connexions"),
    "logout": _("Déconnexions"),
    "backup": _("Sauvegardes"),
    "access.denied": _("Accès refusés"),
    "child": _("Dossiers d'enfants"),
    "parcours": _("Parcours et décisions EPS"),
    "eps": _("Équipe pluridisciplinaire de soutien"),
    "document": _("Documents"),
    "import": _("Imports"),
    "indicators": _("Indicateurs"),
    "archive": _("Archives"),
    "elimination": _("Éliminations"),
    "user": _("Comptes"),
    "keys": _("Clés et certificats"),
    "collective": _("Actions collectives"),
    "waiting_list": _("Liste d'attente"),
    "scan": _("Pièces numérisées"),
    "programme_data": _("Données du programme"),
    "programme": _("Programmes et réglages"),
}

LABELS = {
    "login.success": _("Connexion"),
    "login.failure": _("Échec de connexion"),
    "login.failure.totp": _("Code de double authentification refusé"),
    "logout": _("Déconnexion"),
    "backup.create": _("Sauvegarde faite"),
    "backup.restore": _("Sauvegarde restaurée"),
    "audit.key.create": _("Journal scellé par la clé d'audit"),
    "audit.read": _("Journal d'audit consulté"),
    "child.read.sibling": _("Frère ou sœur affiché·e"),
    "child.create": _("Création d'un dossier"),
    "child.read": _("Lecture d'un dossier"),
    "child.list": _("Liste des enfants consultée"),
    "child.purge": _("Dossier purgé (fin de conservation)"),
    "child.referent.assign": _("Référent·e attribué·e"),
    "child.referent.transfer": _("Dossier transféré à un·e autre référent·e"),
    "child.duplicate.resolve": _("Doublon possible tranché"),
    "child.unreadable": _("Dossier illisible"),
    "parcours.create": _("Orientation enregistrée"),
    "parcours.close": _("Fin de prise en charge"),
    "parcours.update": _("Parcours modifié (import)"),
    "parcours.facts.read": _("Faits observés lus (EPS)"),
    "parcours.eps_facts.share": _("Faits observés partagés avec l'EPS"),
    "parcours.eps_facts.unshare": _("Partage des faits observés avec l'EPS retiré"),
    "parcours.decision": _("Décision EPS enregistrée"),
    "parcours.action.create": _("Action du parcours ajoutée"),
    "parcours.action.update": _("Action du parcours modifiée"),
    "parcours.actions.read": _("Actions du parcours consultées"),
    "parcours.closure": _("Clôture sans la famille"),
    "parcours.closure.form": _("Formulaire de clôture sans la famille consulté"),
    "parcours.closure.download": _("Fiche de clôture téléchargée"),
    "collective.action.create": _("Action collective créée"),
    "collective.action.read": _("Action collective consultée"),
    "collective.session.create": _("Séance collective créée"),
    "collective.session.read": _("Séance collective consultée"),
    "collective.session.attendance": _("Présences d'une séance collective notées"),
    "collective.attendance.add": _("Enfant noté·e présent·e à une séance collective"),
    "collective.attendance.remove": _("Enfant retiré·e d'une séance collective"),
    "collective.sheet.export": _("Feuille d'émargement téléchargée"),
    "collective.sheet.names": _("Noms lus pour une feuille d'émargement"),
    "collective.attendance.choices": _("Noms lus pour noter les présences d'une séance collective"),
    "waiting_list.read": _("Liste d'attente consultée"),
    "scan.upload": _("Pièce numérisée déposée"),
    "scan.download": _("Pièce numérisée téléchargée"),
    "programme_data.save": _("Données du programme enregistrées"),
    "document.create": _("Document créé"),
    "document.read": _("Document consulté"),
    "document.save": _("Brouillon enregistré"),
    "document.finalise": _("Document finalisé"),
    "document.correct": _("Correction ouverte"),
    "document.pdf": _("PDF téléchargé"),
    "eps.agenda.read": _("Ordre du jour EPS consulté"),
    "eps.agenda.add": _("Situation inscrite à l'ordre du jour"),
    "eps.agenda.order": _("Ordre du jour réordonné"),
    "eps.agenda.remove": _("Situation retirée de l'ordre du jour"),
    "eps.charter.accept": _("Charte EPS acceptée"),
    "eps.decision": _("Décision EPS enregistrée"),
    "eps.letter.create": _("Courrier EPS produit"),
    "eps.letter.download": _("Courrier EPS téléchargé"),
    "eps.presentation.read": _("Présentation à l'EPS consultée"),
    "eps.presentation.save": _("Présentation à l'EPS enregistrée"),
    "eps.releve.download": _("Relevé de décisions téléchargé"),
    "eps.review.request": _("Nouvel examen par l'EPS demandé"),
    "eps.seance.attendance": _("Présences de séance EPS notées"),
    "eps.seance.close": _("Séance EPS close"),
    "eps.seance.create": _("Séance EPS créée"),
    "eps.seance.participants": _("Participants de séance EPS modifiés"),
    "eps.seance.read": _("Séance EPS consultée"),
    "eps.text.save": _("Texte EPS enregistré"),
    "home.todo.read": _("Tableau « À traiter » consulté"),
    "import": _("Import CSV"),
    "indicators.view": _("Indicateurs consultés"),
    "indicators.export": _("Indicateurs exportés"),
    "indicators.share": _("Indicateurs partagés avec le réseau"),
    "network.consolidate": _("Tableau du réseau consolidé"),
    "network.share_stored": _("Partage d'indicateurs reçu"),
    "formset.install": _("Jeu de formulaires installé"),
    "archive.export_start": _("Export d'archive lancé"),
    "archive.export": _("Archive exportée"),
    "archive.export_destroy": _("Archive expirée détruite"),
    "archive.download": _("Archive téléchargée"),
    "elimination.bordereau_download": _("Bordereau d'élimination téléchargé"),
    "elimination.force_unarchived": _("Élimination forcée sans archive"),
    "elimination.perform": _("Dossiers éliminés"),
    "elimination.visa_record": _("Visa d'élimination enregistré"),
    "notice.update": _("Notice aux familles modifiée"),
    "user.create": _("Compte créé"),
    "user.create.request": _("Création de compte demandée"),
    "user.confirm": _("Compte confirmé"),
    "user.confirm.refuse": _("Création de compte refusée"),
    "user.enable": _("Compte réactivé"),
    "user.disable": _("Compte désactivé"),
    "user.role": _("Rôle modifié"),
    "user.role.request": _("Changement de rôle demandé"),
    "user.password": _("Mot de passe modifié"),
    "user.access.reset": _("Accès réinitialisé"),
    "user.totp.enrol": _("Double authentification activée"),
    "user.totp.reset": _("Double authentification réinitialisée"),
    "keys.rotate.start": _("Rotation des clés commencée"),
    "keys.rotate.done": _("Rotation des clés terminée"),
    "keys.reindex": _("Index de recherche recalculé"),
    "keys.certificate_import": _("Certificat de cachet importé"),
    "programme.create": _("Programme créé"),
    "programme.timezone": _("Fuseau horaire du programme modifié"),
    "programme.setting.exits_need_eps": _("Réglage modifié : clôtures sans la famille soumises à l'EPS"),
}

CLOSURE_STATUSES = {PROPOSED: _("proposée à l'EPS"), EFFECTIVE: _("effective"), REFUSED: _("refusée par l'EPS")}

OBJECT_TYPES = {
    "children": _("Dossier d'enfant"),
    "child_identities": _("Identité d'enfant"),
    "parcours": _("Parcours"),
    "documents": _("Document"),
    "users": _("Compte"),
    "programmes": _("Programme"),
    "archive_exports": _("Archive"),
    "eliminations": _("Élimination"),
    "elimination_visas": _("Visa d'élimination"),
    "eps_seances": _("Séance EPS"),
    "eps_agenda_items": _("Ordre du jour EPS"),
    "eps_decisions": _("Décision EPS"),
    "eps_letters": _("Courrier EPS"),
    "eps_texts": _("Texte EPS"),
    "eps_review_requests": _("Demande de réexamen"),
    "eps_charter_acceptances": _("Charte EPS"),
    "family_notices": _("Notice aux familles"),
    "import_file": _("Fichier importé"),
    "collective_actions": _("Action collective"),
    "collective_sessions": _("Séance collective"),
    "parcours_actions": _("Action du parcours"),
    "programme_year_figures": _("Données du programme (année)"),
}


def action_label(action: str) -> str:
    """The action in French; a detail after « : » (a decision, a letter) is named when known."""
    if action.startswith("access.denied"):
        return _("Accès refusé")
    name, _sep, detail = action.partition(":")
    label = LABELS.get(name)
    if label is None:
        family = next((text for prefix, text in CATEGORIES.items() if name.startswith(prefix)), _("Autre action"))
        return f"{family} ({action})"
    if detail and name.endswith("decision"):
        return f"{label} : {nomenclature().label('decision_eps', detail)}"
    if detail and name == "parcours.closure":
        return f"{label} : {CLOSURE_STATUSES.get(detail, detail)}"
    return label


def object_label(target_type: str | None) -> str:
    if not target_type:
        return "—"
    return OBJECT_TYPES.get(target_type, target_type)
