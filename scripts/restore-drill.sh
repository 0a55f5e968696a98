#!/usr/bin/env bash
# A restore drill: restore a backup (scripts/backup.sh) into a NEW database and new folders, check the
# audit chain against the restored anchor (audit_verify), start the application on it with the
# production settings and check that it serves (health, the sign-in page and its stylesheet); then
# remove what it made (--keep keeps the database and folders for a look).
#
#   SECRET_KEY=... OPENMASH_AUDIT_KEY=... scripts/restore-drill.sh BACKUP [--keep]
#
# OPENMASH_AUDIT_KEY must be the hub's own key (kept by the operator, not in the backup). PG_URL names
# the server to restore on (default: the server in DATABASE_URL, else postgres://postgres@127.0.0.1:5432);
# DRILL_DATABASE the scratch database's name (default openmash_drill_<time>; it must not exist).
set -euo pipefail
cd "$(dirname "$0")/.."

backup=${1:?usage: $0 BACKUP [--keep]}
keep=${2:-}
if [ -n "${OPENMASH_ENV_FILE:-}" ]; then
  set -a; . "$OPENMASH_ENV_FILE"; set +a
fi
: "${OPENMASH_AUDIT_KEY:?OPENMASH_AUDIT_KEY must be the audit key of the hub}"
: "${SECRET_KEY:?SECRET_KEY must be set (any 50+ random characters will do for a drill)}"
PY=${PYTHON:-.venv/bin/python}
GUNICORN=${GUNICORN:-$(dirname "$PY")/gunicorn}
server=${PG_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}
server=${server%%\?*}
server=${server%/*}
stamp=$(date -u +%Y%m%d%H%M%S)
name=${DRILL_DATABASE:-openmash_drill_$stamp}
work=$(mktemp -d "${TMPDIR:-/tmp}/openmash-drill-XXXXXX")
gunicorn_pid=""

cleanup() {
  [ -n "$gunicorn_pid" ] && kill "$gunicorn_pid" 2>/dev/null && wait "$gunicorn_pid" 2>/dev/null
  if [ "$keep" != "--keep" ]; then
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS \"$name\"" 2>/dev/null || true
    rm -rf "$work"
  else
    echo "Kept: database $name, folders under $work"
  fi
}
trap cleanup EXIT

step() { echo; echo "== $*"; }
started=$(date +%s)

step "Restore $backup into the new database $name"
cat "$backup/manifest.txt"
scripts/restore.sh "$backup" "$server/$name" "$work/audit-anchor" "$work/var/sources"

export DJANGO_SETTINGS_MODULE=openmash.config.settings.prod
export DATABASE_URL="$server/$name" OPENMASH_VAR_DIR="$work/var" OPENMASH_AUDIT_ANCHOR_DIR="$work/audit-anchor"
export ALLOWED_HOSTS=localhost SECRET_KEY OPENMASH_AUDIT_KEY
unset OPENMASH_ENV_FILE

step "Migrations (a backup from an older release is brought up to this one)"
if "$PY" manage.py migrate --check > /dev/null; then
  echo "Every migration is applied."
else
  "$PY" manage.py migrate --no-input | tail -n 3
fi

step "audit_verify against the restored anchor"
"$PY" manage.py audit_verify

step "The application serves (gunicorn, production settings)"
"$PY" manage.py collectstatic --no-input > /dev/null
port=$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$GUNICORN" openmash.config.wsgi --bind "127.0.0.1:$port" --workers 1 --log-level warning \
  > "$work/gunicorn.log" 2>&1 &
gunicorn_pid=$!
base="http://127.0.0.1:$port"
proxy=(-H "Host: localhost" -H "X-Forwarded-Proto: https")  # as the reverse proxy sends
for _ in $(seq 1 60); do
  curl -fsS "${proxy[@]}" "$base/health/live" > /dev/null 2>&1 && break
  sleep 0.5
done
fail=0
check() {  # name, expected status, url path
  local status
  status=$(curl -s -o "$work/body" -w '%{http_code}' "${proxy[@]}" "$base$3")
  if [ "$status" = "$2" ]; then echo "  ok    $1: $3 answered $status"; else echo "  FAIL  $1: $3 answered $status"; fail=1; fi
}
check "liveness" 200 /health/live
check "sign-in page" 200 /sign-in/
stylesheet=$(grep -o 'href="/static/openmash/openmash[^"]*\.css"' "$work/body" | head -1 | cut -d'"' -f2)
check "stylesheet" 200 "${stylesheet:-/static/openmash/openmash.css}"
curl -s "${proxy[@]}" "$base/health/ready" > "$work/ready.json" || true
echo "  readiness: $(cat "$work/ready.json")"
for name_ in database migrations audit_checkpoint; do
  if [ "$(jq -r ".checks.$name_.ok" "$work/ready.json")" = "true" ]; then
    echo "  ok    readiness check $name_"
  else
    echo "  FAIL  readiness check $name_"; fail=1
  fi
done
echo "  (no worker runs against the drill's database, so its worker check is expected to fail)"

echo
if [ "$fail" = 0 ]; then
  echo "Restore drill passed in $(( $(date +%s) - started )) s."
else
  echo "Restore drill FAILED (gunicorn's log: $work/gunicorn.log)."
  keep=--keep
  exit 1
fi
