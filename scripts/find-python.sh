#!/usr/bin/env bash
# Print the path of a Python >= 3.12 (3.12 preferred: the stack is verified on it),
# Exits 1 with a clear message when there is none.
set -u
candidates=(python3.12 python3.13 python3.14 python3)
for c in "${candidates[@]}"; do
  p=$(command -v "$c" 2>/dev/null) || continue
  [ -n "$p" ] || continue
  candidates_found+=("$p")
done
root="${PYENV_ROOT:-$HOME/.pyenv}"
for d in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -V); do
  candidates_found+=("$d/bin/python")
done
for p in "${candidates_found[@]:-}"; do
  [ -x "$p" ] || continue
  if "$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$p"
    exit 0
  fi
done
echo "OpenMASH needs Python 3.12 or newer (Django 6 does not run on older versions)." >&2
echo "None was found on the PATH (python3.13, python3.12, python3) or in $root/versions." >&2
echo "Install one (for example 'pyenv install 3.12') and run the command again." >&2
exit 1
