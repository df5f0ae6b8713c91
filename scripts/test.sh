#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs (the virtualenv, the real Pulumi CLI built from
# Pulumi's Go modules, the Node SDK used as an official client), lints (ruff), then runs pytest.
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$ROOT"
bash scripts/install-pulumi.sh   # the CLI, the Python runtime pieces and Pulumi's YAML host, into .tools/bin
if [ -f tests/node/package-lock.json ]; then
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd sdk/nodejs && npm ci --no-audit --no-fund --loglevel=error)  # tsc and @pulumi/pulumi: tests/test_sdks_fresh.py
(cd sdk/go && go mod download)   # Pulumi's Go SDK, which tests/test_sdks_fresh.py builds sdk/go against
ruff check .
ruff format --check .
mypy   # strict, on the packages in [tool.mypy] files (pyproject.toml)
pytest "$@"
