"""The `LISEZMOI.txt` of an archive: what it holds and how to verify it without Parcours."""

from __future__ import annotations

from app.i18n import _

LISEZMOI = _("""\
Archive des documents du programme {programme_name} ({programme_code}) - année {year}
Créée le {created_at} (heure {zone}) par Parcours. {count} document(s).

CONTENU

  documents/<pseudonyme>/<formulaire>-v<version du document>-<identifiant>.pdf
      Chaque document finalisé de l'année, au format PDF/A-2b, scellé (signature
      électronique PAdES) par le certificat du programme. Le dossier porte le
      pseudonyme de l'enfant ; son identité figure dans le document. Y figurent
      aussi les relevés de clôture (cloture-v1-...) et l'état des actions de
      chaque parcours dans l'année (actions-v1-<parcours>.pdf), scellé à la
      création de l'archive.
  pieces/<pseudonyme>/<catégorie>-<identifiant>.<pdf|jpg|png>
      Les pièces numérisées (contrat papier signé, bilan d'un partenaire,
      courrier...) ajoutées au dossier pendant l'année, telles qu'elles ont été
      déposées ; leur empreinte SHA-256 figure dans le manifeste signé.
  manifest.json
      La liste des documents avec, pour chacun, son empreinte SHA-256, sa taille,
      le formulaire, sa version et la date de finalisation.
  manifest.json.sig
      La signature électronique (CMS détachée, format DER) de manifest.json par
      le certificat du programme.
  certificate.pem
      Le certificat du programme (et, s'il a changé pendant l'année, les
      certificats précédents), à utiliser comme seule racine de confiance.

CES DOCUMENTS CONTIENNENT DES DONNÉES PERSONNELLES D'ENFANTS : conservez cette
archive chiffrée et n'en donnez l'accès qu'aux personnes habilitées.

VÉRIFIER L'ARCHIVE SANS PARCOURS (après l'avoir décompressée, dans son dossier)

1. Le manifeste est-il authentique et intact ?

     openssl cms -verify -binary -inform DER -in manifest.json.sig \\
       -content manifest.json -CAfile certificate.pem -purpose any -out /dev/null

   OpenSSL doit afficher « CMS Verification successful ». Vérifiez aussi que
   le certificat est bien celui du programme (comparez son empreinte avec celle
   que le programme vous a communiquée) :

     openssl x509 -in certificate.pem -noout -subject -fingerprint -sha256

2. Chaque document est-il celui du manifeste ?

     sed -n 's/.*"path": "\\([^"]*\\)", "sha256": "\\([0-9a-f]*\\)".*/\\2  \\1/p' manifest.json \\
       | sha256sum -c

   Chaque ligne doit se terminer par « OK » ; un document modifié est signalé
   « FAILED », un document absent par un message d'erreur. Un fichier présent
   dans documents/ mais absent du manifeste n'a pas sa place dans l'archive :
   comparez le nombre de fichiers (find documents -type f | wc -l) avec le
   nombre de documents indiqué ci-dessus.

3. Le cachet de chaque PDF est-il valide ?

   Ouvrez un document dans un lecteur PDF qui affiche les signatures (Adobe
   Acrobat Reader, ou « pdfsig fichier.pdf » de poppler) : la signature doit
   être valide et couvrir tout le document. Pour que le lecteur reconnaisse le
   certificat, ajoutez certificate.pem à ses certificats de confiance.

Avec Parcours installé, une seule commande fait toutes ces vérifications, avec
comme seule racine de confiance le certificat du programme (celui que vous a
communiqué le programme, jamais celui de l'archive ; dans l'instance Parcours du
programme, l'option --certificate peut être omise) :

     parcours archive verify archive.zip --certificate certificat-du-programme.pem
""")
