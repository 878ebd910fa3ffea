"""The `parcours` command's help in French: one table of texts, applied to every command (also the
features' commands, loaded lazily), so that `--help` reads like the rest of what users read."""

from __future__ import annotations

import types
from typing import Any

import click

from app.i18n import _

PROGRAMME = _("Code du programme (facultatif quand l'instance n'en a qu'un).")
YEAR = _("Année civile (2025) ou année scolaire (2025-2026).")
OUTPUT = _("Fichier à écrire.")
TRUST = _("Certificat de confiance (PEM).")

# Command path -> (help of the command, {option name: help}).
HELP: dict[str, tuple[str, dict[str, str]]] = {
    "": (_("Parcours — Programmes de Réussite Éducative."), {}),
    "archive": (_("Exporter et vérifier les archives annuelles des documents scellés."), {}),
    "archive export": (
        _("Écrire dans OUTPUT.zip tous les documents finalisés en YEAR, scellés, avec un manifeste signé."),
        {"year": _("Année de finalisation."), "programme_code": PROGRAMME},
    ),
    "archive verify": (
        _(
            "Vérifier chaque empreinte, chaque cachet et la signature du manifeste de FILE.zip contre un "
            "certificat de confiance (code 1 en nommant chaque échec) ; le certificat contenu dans l'archive "
            "n'est jamais pris pour confiance."
        ),
        {"certificate": _("Certificat (PEM) du programme à croire ; par défaut, ceux des programmes de l'instance.")},
    ),
    "audit": (_("Le journal d'audit."), {}),
    "audit verify": (
        _("Vérifier la chaîne du journal d'audit et son point de contrôle ; code 1 en nommant chaque rupture."),
        {},
    ),
    "backup": (_("Sauvegarde cohérente de la base, à chaud (les clés n'y sont jamais)."), {}),
    "forms": (_("Définitions des formulaires (forms/)."), {}),
    "forms check": (
        _("Valider les définitions de formulaire de DIRECTORY (par défaut forms/) ; code 1 en nommant chaque erreur."),
        {},
    ),
    "forms diff": (
        _("Comparer deux jeux de formulaires (dossiers, paquets ou dossiers zippés), en français."),
        {"output_format": _("Format de sortie : texte ou page HTML.")},
    ),
    "forms install": (
        _("Vérifier la signature d'un jeu publié, montrer ce qui change, et l'installer dans l'instance."),
        {"trusted": TRUST},
    ),
    "forms lock": (
        _("Publier de nouvelles versions : ajouter leur sha256 à forms.lock (entrées existantes inchangées)."),
        {},
    ),
    "forms package": (
        _("Publier le jeu de formulaires de DIRECTORY (par défaut celui de l'instance) en un fichier signé."),
        {
            "output": OUTPUT,
            "programme_code": _("Signer avec le certificat de ce programme (dans une instance)."),
            "key_file": _("Clé privée du réseau (PEM) au lieu de celle d'un programme."),
            "certificate_file": _("Certificat du réseau (PEM), avec --key."),
        },
    ),
    "import": (
        _("Importer des parcours existants depuis un fichier CSV ; tout ou rien."),
        {
            "programme_code": PROGRAMME,
            "dry_run": _("Vérifier le fichier et montrer ce qui changerait, sans rien écrire."),
        },
    ),
    "indicators": (
        _("Indicateurs annuels d'un programme (JSON sur la sortie standard par défaut)."),
        {
            "year": YEAR,
            "programme_code": PROGRAMME,
            "output_format": _("Format : json, csv ou pdf."),
            "output": OUTPUT,
            "network": _("Indicateurs consolidés de tous les programmes de l'instance (un réseau départemental)."),
            "share": _("Écrire le fichier de partage signé (ZIP) du programme pour son réseau."),
            "external": _("CSV ou PDF diffusé hors du programme : les effectifs de 1 à 4 deviennent « < 5 »."),
        },
    ),
    "init": (
        _("Créer le dossier de l'instance, ses clés et sa base (n'écrase jamais des clés existantes)."),
        {
            "demo": _("Ajouter le programme DEMO, ses comptes et ses enfants de démonstration."),
            "timezone": _("Fuseau horaire du programme de démonstration (Europe/Paris, Indian/Mayotte…)."),
        },
    ),
    "keys": (_("Clés de l'instance."), {}),
    "keys import-certificate": (
        _("Remplacer le certificat de cachet d'un programme par un fichier PKCS #12 (clé et certificat)."),
        {"programme_code": PROGRAMME, "password_stdin": _("Lire le mot de passe du PKCS #12 sur l'entrée standard.")},
    ),
    "keys reindex": (
        _("Donner à chaque programme sa propre clé d'index (noms indexés avant la migration 0008)."),
        {},
    ),
    "keys rotate": (
        _("Nouvelle clé de chiffrement des clés ; re-chiffrer chaque clé d'enfant (reprend où il s'est arrêté)."),
        {},
    ),
    "network": (_("Réseau de PRE : indicateurs annuels consolidés."), {}),
    "network consolidate": (
        _("Vérifier chaque partage contre les certificats de confiance et construire le tableau départemental."),
        {
            "year": _("Année civile (2025) ou année scolaire (2025-2026) des partages."),
            "trusted": TRUST,
            "output_format": _("Format : json, csv ou pdf."),
            "external": _("Masquer les petits effectifs, avec les cases complémentaires."),
            "output": OUTPUT,
        },
    ),
    "programmes": (_("Gérer les programmes (un PRE chacun)."), {}),
    "programmes add": (
        _("Créer un programme (un PRE)."),
        {
            "name": _("Nom complet du programme."),
            "timezone": _("Fuseau horaire dans lequel ses utilisateurs lisent les heures (Indian/Mayotte…)."),
        },
    ),
    "programmes timezone": (
        _("Changer le fuseau horaire d'un programme (Europe/Paris, Indian/Reunion, Indian/Mayotte…)."),
        {},
    ),
    "purge": (
        _("Élimination : détruire par la clé les dossiers dont la conservation est échue, sous visa des archives."),
        {
            "dry_run": _("Lister ce qui serait éliminé, sans rien changer."),
            "programme_code": PROGRAMME,
            "visa_number": _("Numéro du visa à utiliser (par défaut le dernier non utilisé)."),
            "force": _("Éliminer aussi les dossiers dont les années closes n'ont jamais été archivées (audité)."),
            "bordereau_path": _("Écrire aussi le bordereau d'élimination scellé dans ce fichier PDF."),
        },
    ),
    "restore": (
        _("Restaurer une sauvegarde dans un dossier d'instance qui ne contient que keys/ et config.json, ou vide."),
        {},
    ),
    "run": (
        _("Servir l'application web avec gunicorn (serveur de production)."),
        {
            "host": _("Adresse d'écoute."),
            "port": _("Port d'écoute."),
            "workers": _("Processus de travail (par défaut 2 par cœur, 8 au plus)."),
        },
    ),
    "upgrade": (_("Mettre la base de l'instance à la dernière migration (affiche de → vers)."), {}),
    "users": (_("Gérer les comptes utilisateurs."), {}),
    "users add": (
        _("Créer un compte utilisateur."),
        {
            "role": _("Rôle du compte."),
            "name": _("Nom de la personne."),
            "programme_code": PROGRAMME,
            "password_stdin": _("Lire le mot de passe sur l'entrée standard."),
        },
    ),
}

HEADINGS = {"Options": _("Options"), "Commands": _("Commandes"), "Arguments": _("Arguments")}


class FrenchHelpFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, prefix=_("Utilisation : ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(HEADINGS.get(heading, heading))


class FrenchContext(click.Context):
    formatter_class = FrenchHelpFormatter


def _help_option(self: click.Command, ctx: click.Context) -> click.Option | None:
    option = click.Command.get_help_option(self, ctx)
    if option is not None:
        option.help = _("Afficher cette aide et quitter.")
    return option


def in_french(command: click.Command, path: str) -> click.Command:
    """Give `command` (named `path`, « forms check ») and its subcommands their French help."""
    text, options = HELP.get(path, (None, {}))
    if text is not None:
        command.help = text
        command.short_help = None
    for param in command.params:
        if isinstance(param, click.Option) and param.name in options:
            param.help = options[param.name]
    command.context_class = FrenchContext
    command.get_help_option = types.MethodType(_help_option, command)  # type: ignore[method-assign]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            in_french(sub, f"{path} {name}".strip())
    return command


def walk(command: click.Command, ctx: Any, path: str = "") -> list[tuple[str, click.Command]]:
    """Every command under `command`, with its path (the lazily loaded ones too)."""
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                found.extend(walk(sub, ctx, f"{path} {name}".strip()))
    return found
