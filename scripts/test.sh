#!/usr/bin/env bash
# One command to set up and run every test: SQLite and PostgreSQL (127.0.0.1:5432),
# with a real Rasa server trained from content/nlu when Python 3.10 can be found.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. .venv/bin/activate
if [ -z "${RASA_URL:-}" ] && [ "${COACHBOT_NO_RASA:-0}" != "1" ]; then
  .ci/rasa.sh setup
  .ci/rasa.sh train
  .ci/rasa.sh start
  export RASA_URL="http://127.0.0.1:${RASA_PORT:-5005}"
  trap '.ci/rasa.sh stop >/dev/null 2>&1 || true' EXIT
fi
python -m pytest -q "$@"
