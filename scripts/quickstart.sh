#!/usr/bin/env bash
# The quickstart: installs pulumi-depot (.venv) and the Pulumi CLI (scripts/install-pulumi.sh, built from Pulumi's Go
# modules into .tools/bin), starts the local Depot API (SQLite under .depot-local/) and deploys examples/quickstart
# to it with `pulumi up`: a project with a cache policy, a GitHub trust policy and a project token. The Pulumi state
# is a local backend under .depot-local/pulumi. Running it again changes nothing (it ends with
# `pulumi preview --expect-no-changes`). Nothing leaves 127.0.0.1; the local API stops when the script ends.
#
# Environment (all optional):
#   DEPOT_QUICKSTART_DIR     where the database, Pulumi state and logs go (default: <repo>/.depot-local)
#   DEPOT_LOCAL_TOKEN        the local organization token (default: a fixed local-only token, below)
#   SKIP_BOOTSTRAP=1         do not create/update .venv nor build pulumi: use the python, depot-local and pulumi
#                            on PATH (or in PULUMI_DEPOT_VENV/bin and PULUMI_DEPOT_TOOLS/bin)
#   PULUMI_DEPOT_VENV        the virtualenv to create or use (default: <repo>/.venv)
#   PULUMI_DEPOT_TOOLS       where the Pulumi CLI is built (default: <repo>/.tools)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLE="$ROOT/examples/quickstart"
STACK=dev
# Known to the local API only (it seeds it for its default organization); never a real Depot token.
LOCAL_TOKEN="${DEPOT_LOCAL_TOKEN:-depot_org_local_quickstart_not_secret}"

say() { printf '==> %s\n' "$*"; }
fail() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

TOOLS="${PULUMI_DEPOT_TOOLS:-$ROOT/.tools}"
if [ "${SKIP_BOOTSTRAP:-0}" = 1 ]; then
  if [ -n "${PULUMI_DEPOT_VENV:-}" ]; then export PATH="$PULUMI_DEPOT_VENV/bin:$PATH"; fi
else
  say "Installing pulumi-depot into ${PULUMI_DEPOT_VENV:-$ROOT/.venv} (scripts/bootstrap.sh)"
  # shellcheck source=scripts/bootstrap.sh
  source "$ROOT/scripts/bootstrap.sh"
  say "Installing the Pulumi CLI into $TOOLS/bin (scripts/install-pulumi.sh)"
  PULUMI_DEPOT_TOOLS="$TOOLS" bash "$ROOT/scripts/install-pulumi.sh"
fi
export PATH="$TOOLS/bin:$PATH"
command -v depot-local >/dev/null || fail "depot-local is not on PATH: run without SKIP_BOOTSTRAP=1, or pip install -e '.[dev]'"
command -v pulumi >/dev/null || fail "pulumi is not on PATH: run without SKIP_BOOTSTRAP=1 (needs Go), or bash scripts/install-pulumi.sh"

STATE_DIR="${DEPOT_QUICKSTART_DIR:-$ROOT/.depot-local}"
mkdir -p "$STATE_DIR"
STATE_DIR="$(cd "$STATE_DIR" && pwd)"

# --- the local Depot API: its one stdout line says where it listens ---------------------------------------------
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  exec 3<&- 2>/dev/null || true
}
trap stop_server EXIT
trap 'exit 130' INT TERM

START_FIFO="$(mktemp -u "$STATE_DIR/.depot-local-start.XXXXXX")"
mkfifo "$START_FIFO"
# The token goes in the environment: a command line is visible to every local user (ps, /proc/PID/cmdline).
DEPOT_LOCAL_TOKEN="$LOCAL_TOKEN" depot-local serve --port 0 --db "$STATE_DIR/depot.sqlite3" \
  >"$START_FIFO" 2>>"$STATE_DIR/depot-local.log" </dev/null &
SERVER_PID=$!
exec 3<"$START_FIFO"   # kept open while the server runs, so its stdout never hits a closed pipe
rm -f "$START_FIFO"
START_LINE=""
read -r -t 120 -u 3 START_LINE || true   # a safety net: the server prints the line as soon as it listens
if [[ ! "$START_LINE" =~ ^depot-local\ listening\ on\ (http://[^ ]+)\ org=([a-z0-9]+)$ ]]; then
  fail "the local Depot API did not start (printed: '${START_LINE}'); see $STATE_DIR/depot-local.log"
fi
API_URL="${BASH_REMATCH[1]}"
say "Local Depot API at $API_URL (organization ${BASH_REMATCH[2]}, data in $STATE_DIR/depot.sqlite3)"
# The provider reads these when no depot:apiUrl / depot:token stack config is set; they point at the local API only.
export DEPOT_API_URL="$API_URL" DEPOT_TOKEN="$LOCAL_TOKEN"

# --- deploy -------------------------------------------------------------------------------------------------------
OUTPUTS_JSON="$STATE_DIR/quickstart.outputs.json"
PROGRAM="$STATE_DIR/quickstart"
say "Deploying examples/quickstart with pulumi up (local backend in $STATE_DIR/pulumi, copy of the program in $PROGRAM)"
mkdir -p "$PROGRAM" "$STATE_DIR/pulumi" "$STATE_DIR/pulumi-home"
cp "$EXAMPLE"/Pulumi.yaml "$EXAMPLE"/__main__.py "$EXAMPLE"/requirements.txt "$PROGRAM"/
unset PULUMI_CONFIG_PASSPHRASE_FILE PULUMI_ACCESS_TOKEN
# The passphrase only guards this local stack's secrets (the project token) on this machine.
export PULUMI_BACKEND_URL="file://$STATE_DIR/pulumi" PULUMI_HOME="$STATE_DIR/pulumi-home" \
  PULUMI_CONFIG_PASSPHRASE="depot-quickstart-local" PULUMI_SKIP_UPDATE_CHECK=true \
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_PYTHON_CMD="$(command -v python)"
cd "$PROGRAM"
pulumi stack select --create "$STACK" --secrets-provider passphrase --non-interactive >/dev/null
pulumi up --yes --non-interactive --color never | tee "$STATE_DIR/quickstart.last-run.txt"
pulumi preview --expect-no-changes --non-interactive --color never >"$STATE_DIR/quickstart.check.txt" \
  || fail "a preview after the deployment still shows changes: see $STATE_DIR/quickstart.check.txt"
pulumi stack output --json --non-interactive >"$OUTPUTS_JSON"
cd "$ROOT"

# Count lines ("    + 3 created", "    ~ 1 updated", ...) start with a change symbol; "    3 unchanged" does not.
if grep -Eq '^    (\+|~|-|\+-) [0-9]+ ' "$STATE_DIR/quickstart.last-run.txt"; then
  say "Deployed."
else
  say "No changes: the quickstart was already deployed."
fi

# --- what Depot now holds (read back from the local API, token secret masked) ------------------------------------
python - "$OUTPUTS_JSON" <<'PY'
import json, os, sys
from pulumi_depot_provider.client import DepotClient
outputs = json.load(open(sys.argv[1]))
with DepotClient(base_url=os.environ["DEPOT_API_URL"], token=os.environ["DEPOT_TOKEN"]) as depot:
    project = depot.get_project(outputs["projectId"])
    policies = {p.trust_policy_id: p for p in depot.list_trust_policies(project.project_id)}
    tokens = {t.token_id: t for t in depot.list_tokens(project.project_id)}
policy = policies[outputs["trustPolicyId"]].github
token = tokens[outputs["tokenId"]]
cache = project.cache_policy
print(f"project       {project.name} (id {project.project_id}), {project.region_id}, cache {cache.keep_gb} GB / {cache.keep_days} days")
print(f"trust policy  GitHub Actions in {policy.repository_owner}/{policy.repository} (id {outputs['trustPolicyId']})")
print(f"project token {token.description!r} (id {token.token_id}); its secret is the stack output 'token', kept as a secret")
PY
say "The local Depot API stops now; its data stays in $STATE_DIR. Run this again: nothing changes. Next: examples/README.md"
