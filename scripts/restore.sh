#!/usr/bin/env bash
# Restore an OpenMASH backup (scripts/backup.sh) into a NEW PostgreSQL database, and its audit anchor and
# data-source folders into the folders given. It refuses a database that already exists: restore beside
# the old one, check it (scripts/restore-drill.sh does), then point the service at it.
#
#   scripts/restore.sh BACKUP NEW_DATABASE_URL ANCHOR_FOLDER SOURCES_FOLDER
#
# BACKUP is one openmash-<time> folder. The connecting user must be allowed to create databases. Objects
# are owned by that user (--no-owner); grant the application's user what it needs afterwards (see
# docs/deployment.md: the application's user should not own the audit table).
set -euo pipefail

if [ $# -ne 4 ]; then
  echo "usage: $0 BACKUP NEW_DATABASE_URL ANCHOR_FOLDER SOURCES_FOLDER" >&2
  exit 2
fi
backup=$1 url=$2 anchor_dir=$3 sources_dir=$4
for f in audit-anchor.tar database.dump sources.tar.gz SHA256SUMS; do
  [ -f "$backup/$f" ] || { echo "$backup has no $f: not a backup made by scripts/backup.sh" >&2; exit 2; }
done
(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || { echo "the backup's checksums do not match" >&2; exit 1; }

# The database's name, and the server's maintenance database to create it from.
base=${url%%\?*}
name=${base##*/}
query=""
[ "$base" != "$url" ] && query="?${url#*\?}"
maintenance="${base%/*}/postgres$query"
if [ -z "$name" ] || [[ ! "$name" =~ ^[A-Za-z0-9_]+$ ]]; then
  echo "the new database's name must be letters, digits and _ only (got '$name')" >&2
  exit 2
fi
if [ "$(psql "$maintenance" -Atc "select count(*) from pg_database where datname = '$name'")" != "0" ]; then
  echo "database $name already exists: restore into a new database" >&2
  exit 1
fi
for d in "$anchor_dir" "$sources_dir"; do
  if [ -d "$d" ] && [ -n "$(ls -A "$d")" ]; then
    echo "$d is not empty: restore into new folders" >&2
    exit 1
  fi
done

started=$(date +%s)
psql "$maintenance" -qc "CREATE DATABASE \"$name\""
pg_restore --exit-on-error --no-owner --dbname="$url" "$backup/database.dump"
# A restored database has no planner statistics until autovacuum gets to it: gather them now.
psql "$url" -qc "ANALYZE"
mkdir -p "$anchor_dir" "$sources_dir"
tar -C "$anchor_dir" -xf "$backup/audit-anchor.tar"
tar -C "$sources_dir" -xzf "$backup/sources.tar.gz"
echo "Restored $backup into database $name, $anchor_dir and $sources_dir in $(( $(date +%s) - started )) s."
