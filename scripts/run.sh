#!/usr/bin/env bash
# One command to set up and run the bot on embedded defaults (SQLite file in ./var,
# local Rasa if it can be set up, the deterministic safety layer otherwise).
#   ./scripts/run.sh            -> `coachbot run` (needs TELEGRAM_BOT_TOKEN)
#   ./scripts/run.sh chat       -> try it in the terminal, no Telegram needed
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. .venv/bin/activate
if [ -z "${RASA_URL:-}" ] && [ "${COACHBOT_NO_RASA:-0}" != "1" ]; then
  if .ci/rasa.sh setup >&2 && .ci/rasa.sh train >&2 && .ci/rasa.sh start >&2; then
    export RASA_URL="http://127.0.0.1:${RASA_PORT:-5005}"
    trap '.ci/rasa.sh stop >/dev/null 2>&1 || true' EXIT
  else
    echo "Rasa is not available here; the bot runs on its built-in safety layer alone." >&2
  fi
fi
coachbot migrate
if [ "${1:-run}" = "chat" ]; then
  shift
  coachbot chat "$@"
else
  [ "${1:-}" = "run" ] && shift
  coachbot run "$@"
fi
