#!/usr/bin/env bash
# Load benchmark: see bench/load/run.py (--minutes 1 for a smoke run, --fresh to rebuild the database).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-/work/main/.venv/bin/python}"
[ -x "$PY" ] || PY=.venv/bin/python
exec "$PY" bench/load/run.py "$@"
