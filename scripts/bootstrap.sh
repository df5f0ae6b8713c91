# Sourced by the quickstart and test scripts: a project virtualenv with pulumi-depot and its dev tools.
# A fresh machine has only Go, Python 3.11+, Node 20 and npm; everything else is installed here (the Pulumi CLI by
# scripts/install-pulumi.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PULUMI_DEPOT_VENV:-$ROOT/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
# [dev] pulls in the other extras the tests need: [local] (depot-local), [aws] (boto3) and moto[server].
# depot-local (local/, import depot_local) and the native plugin's generated SDK (sdk/pulumi_depot_native) are
# their own distributions, each depending on pulumi-depot: one pip run installs all three from these folders, so
# none of them is looked up on PyPI.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  -e "$ROOT/local" -e "$ROOT[dev]" -e "$ROOT/sdk/pulumi_depot_native"
export PATH="$VENV/bin:$PATH"
