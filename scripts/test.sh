#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: makes .venv, installs the project with its test
# extras and the node/Debian tools some tests drive (scripts/test-deps.sh), then pytest.
# pytest's exit 5 (no tests collected) is a failure here too.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install --quiet -e '.[test]'
bash scripts/test-deps.sh
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "scripts/test.sh: pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
