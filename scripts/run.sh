#!/usr/bin/env bash
# One command to set up and run the bot on embedded defaults (SQLite file in ./var).
#   ./scripts/run.sh                 -> `coachbot run` on Telegram (needs TELEGRAM_BOT_TOKEN)
#   ./scripts/run.sh chat            -> try it in this terminal, no Telegram needed
#   ./scripts/run.sh --no-rasa ...   -> without Rasa (also COACHBOT_NO_RASA=1)
# What it needs is checked first; then .venv is set up (a minute or two the first time) and the
# bot starts at once on its safety rules and triage model. Rasa (everyday intents for dialogues)
# is set up and started in the background when Python 3.8-3.10 is available (the first time
# about 8 minutes: a 2.7 GB install and training), and joins as soon as it answers.
set -euo pipefail
cd "$(dirname "$0")/.."
rasa=1
if [ "${1:-}" = "--no-rasa" ] || [ "${COACHBOT_NO_RASA:-0}" = "1" ]; then
  rasa=0
  [ "${1:-}" = "--no-rasa" ] && shift
fi
mode="${1:-run}"
if [ "$mode" != "chat" ] && [ -z "${TELEGRAM_BOT_TOKEN:-}" ]; then
  cat >&2 <<'TEXT'
No Telegram bot token is set, so the bot can't connect to Telegram yet.

To get one (two minutes): in Telegram, open a chat with @BotFather, send /newbot, choose a name
and a username; BotFather replies with a token like 123456:ABC-DEF... Then:
  TELEGRAM_BOT_TOKEN='<the token>' ./scripts/run.sh

Meanwhile, try the bot in this terminal with no token:  ./scripts/run.sh chat
TEXT
  exit 2
fi
./scripts/setup.sh
. .venv/bin/activate
mkdir -p var
if [ -z "${RASA_URL:-}" ] && [ "$rasa" = 1 ]; then
  set -m  # the set-up gets a process group of its own, so leaving stops all of it (pip too)
  (.ci/rasa.sh setup && .ci/rasa.sh train && .ci/rasa.sh start) > var/rasa-setup.log 2>&1 &
  rasa_job=$!
  set +m
  export RASA_URL="http://127.0.0.1:${RASA_PORT:-5005}"
  trap 'kill -- "-$rasa_job" 2>/dev/null || true; .ci/rasa.sh stop >/dev/null 2>&1 || true' EXIT
  echo "Rasa is being set up in the background (progress: var/rasa-setup.log); the bot starts now" \
       "on its safety rules and triage model, and Rasa's intents join when it answers." >&2
fi
if [ "$mode" = "chat" ]; then
  shift
  coachbot chat "$@"
else
  [ "${1:-}" = "run" ] && shift
  coachbot run "$@"
fi
