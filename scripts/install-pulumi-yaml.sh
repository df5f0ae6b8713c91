#!/usr/bin/env bash
# Builds Pulumi's own YAML language host, pulumi-language-yaml (github.com/pulumi/pulumi-yaml, pinned in
# testing/pulumi-yaml/go.mod), into .tools/bin beside the CLI that scripts/install-pulumi.sh builds: the engine runs
# `runtime: yaml` programs (examples/yaml-*) with it. A module of its own because pulumi-yaml requires an older
# pulumi/pkg/v3 than the CLI's and does not compile against that one; host and engine talk over gRPC.
#
# Idempotent: skips the build when .tools/bin/pulumi-language-yaml was built from the pinned version (its Go build
# information says so). Needs Go (1.26+). Prints its time; fails with one line naming what could not be
# fetched or built (the log has the rest).
#   PULUMI_DEPOT_TOOLS   where to install (default: <repo>/.tools)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE_DIR="$ROOT/testing/pulumi-yaml"
MODULE=github.com/pulumi/pulumi-yaml
TOOLS="${PULUMI_DEPOT_TOOLS:-$ROOT/.tools}"
BIN="$TOOLS/bin"
HOST="$BIN/pulumi-language-yaml"
LOG="$TOOLS/install-pulumi-yaml.log"
START=$(date +%s)

fail() { printf 'install-pulumi-yaml: %s (log: %s)\n' "$*" "$LOG" >&2; exit 1; }
mkdir -p "$BIN"
: >"$LOG"

command -v go >/dev/null || fail "Go is not installed: the YAML host is built from its Go module (install Go 1.26+)"
# Read from go.mod itself: `go list -m` would already need the module proxy.
VERSION="$(awk -v m="$MODULE" '{ for (i = 1; i < NF; i++) if ($i == m) print $(i + 1) }' "$MODULE_DIR/go.mod")"
[ -n "$VERSION" ] || fail "testing/pulumi-yaml/go.mod does not require $MODULE"

built_version() { go version -m "$HOST" 2>/dev/null | awk -v m="$MODULE" '($1 == "mod" || $1 == "dep") && $2 == m { print $3 }'; }
if [ -x "$HOST" ] && [ "$(built_version)" = "$VERSION" ]; then
  echo "install-pulumi-yaml: pulumi-language-yaml $VERSION already built in $BIN"
  exit 0
fi
echo "install-pulumi-yaml: building pulumi-language-yaml $VERSION from $MODULE (first build: several minutes)"
(cd "$MODULE_DIR" && go mod download >>"$LOG" 2>&1) \
  || fail "could not fetch $MODULE@$VERSION and its dependencies from the Go module proxy: $(tail -n 1 "$LOG")"
(cd "$MODULE_DIR" && go build -trimpath -o "$HOST.new" -ldflags "-s -w -X $MODULE/pkg/version.Version=$VERSION" \
  "$MODULE/cmd/pulumi-language-yaml" >>"$LOG" 2>&1) \
  || fail "go build of $MODULE/cmd/pulumi-language-yaml@$VERSION failed: $(tail -n 1 "$LOG")"
mv "$HOST.new" "$HOST"
echo "install-pulumi-yaml: pulumi-language-yaml $VERSION ready in $BIN ($(( $(date +%s) - START )) s)"
