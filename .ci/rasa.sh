#!/usr/bin/env bash
# Rasa 3.6 for coachbot's triage: set up, train, serve, stop and evaluate content/nlu.
# Idempotent; every step skips work already done.
#
#   .ci/rasa.sh setup   find Python 3.8-3.10, create .venv-rasa, pip install rasa==3.6.21
#   .ci/rasa.sh train   train content/nlu into content/nlu/models/ when its files changed
#   .ci/rasa.sh start   serve the model on 127.0.0.1:$RASA_PORT (default 5005), wait until ready
#   .ci/rasa.sh stop    stop the server started by `start` (on the same RASA_PORT)
#   .ci/rasa.sh test    `rasa test nlu` on content/nlu/eval/nlu_eval.yml, print the report
#
# Environment: RASA_PYTHON (interpreter to use), RASA_PORT, RASA_START_TIMEOUT (seconds, 180).
# Several workers: `RASA_PORT=5006 .ci/rasa.sh start` beside the one on 5005, then
# RASA_URL=http://127.0.0.1:5005,http://127.0.0.1:5006 (each port has its own pid file and log).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RASA_VERSION=3.6.21
VENV=$ROOT/.venv-rasa
NLU=$ROOT/content/nlu
MODELS=$NLU/models
MODEL_NAME=coachbot-nlu
MODEL=$MODELS/$MODEL_NAME.tar.gz
STAMP=$MODELS/.data-hash
STATE=$NLU/.rasa
PORT=${RASA_PORT:-5005}
PIDFILE=$STATE/server.pid
LOGFILE=$STATE/server.log
if [ "$PORT" != 5005 ]; then  # a further worker (README "Several Rasa workers"): its own pid and log
  PIDFILE=$STATE/server-$PORT.pid
  LOGFILE=$STATE/server-$PORT.log
fi
START_TIMEOUT=${RASA_START_TIMEOUT:-180}

export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONWARNINGS=ignore

say() { echo "rasa.sh: $*" >&2; }
die() { say "$*"; exit 1; }

python_ok() {  # is "$1" a runnable Python 3.8-3.10?
  [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if (3, 8) <= sys.version_info[:2] <= (3, 10) else 1)' >/dev/null 2>&1
}

find_python() {
  local candidate
  if [ -n "${RASA_PYTHON:-}" ]; then
    python_ok "$RASA_PYTHON" && { echo "$RASA_PYTHON"; return 0; }
    die "RASA_PYTHON=$RASA_PYTHON is not a working Python 3.8-3.10 (Rasa 3.6 needs one)."
  fi
  for candidate in python3.10 python3.9 python3.8; do
    if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
      command -v "$candidate"; return 0
    fi
  done
  for candidate in /root/.pyenv/versions/3.10*/bin/python3.10 "$HOME"/.pyenv/versions/3.10*/bin/python3.10; do
    if [ -x "$candidate" ] && python_ok "$candidate"; then echo "$candidate"; return 0; fi
  done
  return 1
}

rasa_installed() {
  [ -x "$VENV/bin/python" ] && python_ok "$VENV/bin/python" &&
    "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(0 if m.version('rasa') == '$RASA_VERSION' else 1)" >/dev/null 2>&1
}

cmd_setup() {
  if rasa_installed; then
    say "rasa $RASA_VERSION is installed in .venv-rasa"
    return 0
  fi
  local python
  python=$(find_python) || die "Rasa 3.6 needs Python 3.8, 3.9 or 3.10 and none was found.
  Install one (e.g. 'pyenv install 3.10') or set RASA_PYTHON=/path/to/python3.10.
  Without Rasa, coachbot runs on its safety rules alone (COACHBOT_NO_RASA=1 skips Rasa tests)."
  if [ -d "$VENV" ] && ! python_ok "$VENV/bin/python"; then
    say "removing .venv-rasa: it does not hold a Python 3.8-3.10"
    rm -rf "$VENV"
  fi
  [ -x "$VENV/bin/python" ] || { say "creating .venv-rasa with $python"; "$python" -m venv "$VENV"; }
  say "installing rasa==$RASA_VERSION into .venv-rasa (about 2 minutes the first time)"
  "$VENV/bin/python" -m pip install --quiet --upgrade "pip<24.1" setuptools wheel
  "$VENV/bin/python" -m pip install --quiet "rasa==$RASA_VERSION"
  rasa_installed || die "rasa==$RASA_VERSION did not install into .venv-rasa; see the pip output above."
}

data_hash() {
  (cd "$NLU" && cat config.yml domain.yml data/*.yml && echo "rasa $RASA_VERSION") | sha256sum | cut -d' ' -f1
}

cmd_train() {
  rasa_installed || cmd_setup
  local hash
  hash=$(data_hash)
  if [ -f "$MODEL" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$hash" ]; then
    say "model is up to date ($MODEL)"
    return 0
  fi
  mkdir -p "$MODELS"
  say "training content/nlu (data changed)"
  local started=$SECONDS
  mkdir -p "$STATE"
  if ! (cd "$NLU" && "$VENV/bin/rasa" train nlu --config config.yml --nlu data --domain domain.yml \
          --out models --fixed-model-name "$MODEL_NAME" --quiet) >"$STATE/train.log" 2>&1; then
    grep -v -i -E "warning|deprecat" "$STATE/train.log" | tail -n 30 >&2 || true
    die "training failed (full log: ${STATE#"$ROOT"/}/train.log)"
  fi
  [ -f "$MODEL" ] || die "training finished without $MODEL (log: ${STATE#"$ROOT"/}/train.log)"
  echo "$hash" > "$STAMP"
  say "trained $MODEL in $((SECONDS - started))s"
}

server_pid() {  # the pid of the server we started, if it still runs
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
  rm -f "$PIDFILE"
  return 1
}

server_ready() {  # /status answers with a loaded model
  "$VENV/bin/python" - "$PORT" <<'PY' >/dev/null 2>&1
import json, sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/status", timeout=2) as r:
    sys.exit(0 if json.load(r).get("model_file") else 1)
PY
}

warm_up() {  # the first parse builds the TensorFlow graph; do it before real messages arrive
  "$VENV/bin/python" - "$PORT" <<'PY' >/dev/null 2>&1 || true
import json, sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/model/parse", data=json.dumps({"text": "hello"}).encode(),
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=30).read()
PY
}

cmd_start() {
  [ -f "$MODEL" ] || cmd_train
  mkdir -p "$STATE"
  if server_pid >/dev/null && server_ready; then
    say "already serving on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
    return 0
  fi
  if server_ready; then
    die "something else already answers on 127.0.0.1:$PORT; stop it or set RASA_PORT."
  fi
  say "starting Rasa on 127.0.0.1:$PORT (log: ${LOGFILE#"$ROOT"/})"
  # `cd` first, then background the server itself, so $! is Rasa's own pid (not a subshell's)
  (cd "$NLU"; nohup "$VENV/bin/rasa" run --enable-api -p "$PORT" -i 127.0.0.1 --model "$MODEL" \
     >"$LOGFILE" 2>&1 & echo $! >"$PIDFILE")
  local waited=0
  until server_ready; do
    if ! server_pid >/dev/null; then
      tail -n 20 "$LOGFILE" >&2 || true
      die "Rasa exited while starting; the log above says why."
    fi
    if [ "$waited" -ge "$START_TIMEOUT" ]; then
      cmd_stop || true
      die "Rasa did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s (see $LOGFILE)."
    fi
    sleep 1; waited=$((waited + 1))
  done
  warm_up
  say "ready on http://127.0.0.1:$PORT after ${waited}s (pid $(cat "$PIDFILE"))"
}

cmd_stop() {
  local pid
  if ! pid=$(server_pid); then
    say "no server started by this script is running"
    return 0
  fi
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  say "stopped (pid $pid)"
}

cmd_test() {
  [ -f "$MODEL" ] || cmd_train
  local out=$STATE/results
  rm -rf "$out"; mkdir -p "$out"
  say "rasa test nlu on eval/nlu_eval.yml"
  (cd "$NLU" && "$VENV/bin/rasa" test nlu --nlu eval/nlu_eval.yml --model "$MODEL" --out "$out" --quiet) >"$STATE/test.log" 2>&1 ||
    { tail -n 30 "$STATE/test.log" >&2; die "rasa test nlu failed (log: $STATE/test.log)"; }
  "$VENV/bin/python" - "$out/intent_report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"{'intent':24} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
for name, row in sorted(report.items()):
    if isinstance(row, dict) and "support" in row and name not in ("macro avg", "weighted avg", "micro avg"):
        print(f"{name:24} {row['precision']:9.2f} {row['recall']:7.2f} {row['f1-score']:6.2f} {row['support']:4d}")
for name in ("accuracy", "macro avg", "weighted avg"):
    row = report.get(name)
    if isinstance(row, dict):
        print(f"{name:24} {row['precision']:9.2f} {row['recall']:7.2f} {row['f1-score']:6.2f} {row['support']:4d}")
    elif row is not None:
        print(f"{name:24} {row:9.2f}")
PY
  say "full report: ${out#"$ROOT"/}/"
}

case "${1:-}" in
  setup) cmd_setup ;;
  train) cmd_train ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  test) cmd_test ;;
  *) echo "usage: .ci/rasa.sh setup|train|start|stop|test" >&2; exit 2 ;;
esac
