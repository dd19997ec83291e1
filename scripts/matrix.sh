#!/usr/bin/env bash
# The sentry-sdk version matrix: the full end-to-end suite on every sentry-sdk a user
# may have. Each row gets its own virtual environment (.venv-<row>).
#
#   row          python        sentry-sdk          tracing modes tested
#   lowest       3.9 if found  2.12.0              transactions (2.12 has no streaming)
#   newest-2x    default       newest 2.x          transactions
#   stream-2x    default       newest 2.x          trace_lifecycle="stream"
#   v3-pre       default       newest 3.0 pre      streaming (the only mode)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# The oldest Python we claim, where the machine has it (a pyenv shim may exist but not run).
OLD_PYTHON=$PYTHON
for candidate in python3.9 "$(pyenv root 2>/dev/null)"/versions/3.9*/bin/python3.9; do
  if "$candidate" -c 'import sys' >/dev/null 2>&1; then OLD_PYTHON=$candidate; break; fi
done
LOWEST_SDK=2.12.0

run_row() {
  local name=$1 python=$2 sdk=$3 modes=$4
  local venv=".venv-$name"
  echo "=== matrix row $name: $("$python" --version 2>&1), sentry-sdk $sdk, modes: $modes"
  if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
  fi
  "$venv/bin/python" -m pip install --quiet -e '.[test]'
  "$venv/bin/python" -m pip install --quiet $sdk
  "$venv/bin/python" -c 'import sentry_sdk; print("sentry-sdk", sentry_sdk.VERSION)'
  SENTRY_AGENTS_TEST_MODES=$modes "$venv/bin/python" -m pytest -p no:cacheprovider
}

run_row lowest "$OLD_PYTHON" "sentry-sdk==$LOWEST_SDK" static
run_row newest-2x "$PYTHON" "sentry-sdk<3" static
run_row stream-2x "$PYTHON" "sentry-sdk<3" stream
run_row v3-pre "$PYTHON" "--pre sentry-sdk>=3.0.0a1,<4" stream
echo "=== matrix: all rows passed"
