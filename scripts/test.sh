#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, lints (ruff), then runs pytest.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$ROOT"
if [ -f tests/node/package-lock.json ]; then
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi
ruff check .
ruff format --check .
pytest "$@"
