#!/usr/bin/env bash
# Back up an OpenMASH hub on PostgreSQL: the database (pg_dump, custom format), the audit trail's anchor
# folder (its checkpoints) and the data-source snapshot folder, with a manifest of checksums.
#
#   scripts/backup.sh /srv/backups/openmash          # writes /srv/backups/openmash/openmash-<UTC time>/
#
# Run it as the service's user, with the service's environment (DATABASE_URL, OPENMASH_AUDIT_ANCHOR_DIR,
# OPENMASH_VAR_DIR, DJANGO_SETTINGS_MODULE, SECRET_KEY, OPENMASH_AUDIT_KEY): OPENMASH_ENV_FILE=/etc/openmash/openmash.env
# reads them from the systemd EnvironmentFile. The audit key itself is NOT copied: it is a secret the
# operator keeps apart from the backups (without it, restored keyed audit events cannot be verified).
#
# The anchor is copied before the database is dumped, so every checkpoint in the backup names an event
# the dump holds, and `audit_verify` on a restore reports the chain intact.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 1 ]; then
  echo "usage: $0 BACKUP_FOLDER" >&2
  exit 2
fi
if [ -n "${OPENMASH_ENV_FILE:-}" ]; then
  set -a; . "$OPENMASH_ENV_FILE"; set +a
fi
PY=${PYTHON:-.venv/bin/python}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database of the hub}"
case "$DATABASE_URL" in
  postgres://*|postgresql://*) ;;
  *) echo "DATABASE_URL is not a PostgreSQL URL: this script backs up PostgreSQL only" >&2; exit 2 ;;
esac

# Where the running hub keeps its folders, as its own settings say.
mapfile -t folders < <("$PY" manage.py shell --no-imports -c "
from django.conf import settings
from openmash.sources.loading import sources_root
print(settings.OPENMASH_AUDIT_ANCHOR_DIR)
print(sources_root())")
anchor_dir=${folders[0]}
sources_dir=${folders[1]}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$1/openmash-$stamp"
mkdir -p "$target"
chmod 700 "$target"
started=$(date +%s)

# 1. The anchor first (see above).
if [ -d "$anchor_dir" ]; then
  tar -C "$anchor_dir" -cf "$target/audit-anchor.tar" .
else
  echo "warning: no audit anchor folder at $anchor_dir" >&2
  tar -cf "$target/audit-anchor.tar" -T /dev/null
fi
# 2. The database, one consistent snapshot.
pg_dump --format=custom --compress=6 --file="$target/database.dump" "$DATABASE_URL"
# 3. The data sources' snapshots and uploads (each source can also be reloaded from its system).
if [ -d "$sources_dir" ]; then
  tar -C "$sources_dir" -czf "$target/sources.tar.gz" .
else
  tar -czf "$target/sources.tar.gz" -T /dev/null
fi

events=$("$PY" manage.py shell --no-imports -c "
from openmash.audit.models import AuditEvent
print(AuditEvent.objects.order_by('-sequence').values_list('sequence', flat=True).first() or 0)")
{
  echo "created_at=$stamp"
  echo "database=$(psql "$DATABASE_URL" -Atc 'select current_database()')"
  echo "postgresql=$(psql "$DATABASE_URL" -Atc 'show server_version')"
  echo "openmash=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "newest_audit_event_just_after_the_dump=$events"
} > "$target/manifest.txt"
(cd "$target" && sha256sum audit-anchor.tar database.dump sources.tar.gz > SHA256SUMS)

echo "Backup written to $target in $(( $(date +%s) - started )) s:"
(cd "$target" && du -h audit-anchor.tar database.dump sources.tar.gz | sed 's/^/  /')
echo "Keep OPENMASH_AUDIT_KEY and SECRET_KEY with the other deployment secrets, not with this backup."
