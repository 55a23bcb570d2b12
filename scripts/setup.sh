#!/usr/bin/env bash
# Create .venv (Python >= 3.11) and install coachbot with its development tools. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for candidate in "${COACHBOT_PYTHON:-}" python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

PYTHON=$(find_python) || {
  echo "coachbot needs Python 3.11 or newer; none found. Install it, or set COACHBOT_PYTHON=/path/to/python3.11." >&2
  exit 1
}
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $PYTHON" >&2
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.coachbot-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing coachbot and its dependencies into .venv (a minute or two the first time) ..." >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  touch "$stamp"
fi
