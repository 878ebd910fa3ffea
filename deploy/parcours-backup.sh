#!/bin/sh
# One `parcours backup` into $BACKUP_DIR, then keep only the $KEEP newest backups.
# Used by parcours-backup.service; can be run by hand (as the parcours user).
set -eu
PARCOURS_BIN="${PARCOURS_BIN:-parcours}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/parcours}"
KEEP="${KEEP:-14}"

mkdir -p "$BACKUP_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$BACKUP_DIR/parcours-$stamp.zip"
"$PARCOURS_BIN" backup "$target.part"
mv "$target.part" "$target"
echo "backup written: $target"

# Names sort by date: remove all but the $KEEP newest.
ls -1 "$BACKUP_DIR" | grep -E '^parcours-[0-9]{8}T[0-9]{6}Z\.zip$' | sort -r | tail -n +"$((KEEP + 1))" |
while read -r old; do
    rm -f "$BACKUP_DIR/$old"
    echo "old backup removed: $old"
done
