#!/usr/bin/env bash
# Builds the real Pulumi CLI from Pulumi's Go modules (pinned in testing/pulumi-cli/go.mod) into .tools/bin, and
# beside it the Python runtime Pulumi's release archive ships:
#   pulumi-language-python         the Python language host: testing/pulumi-cli/python-host, our glue around Pulumi's
#                                  toolchain, policy proxy and Python code generators (Pulumi's own host module,
#                                  github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3, is refused by
#                                  the module proxy here: 403 "This module version is not available")
#   pulumi-language-python-exec    Pulumi's exec script, which runs a program for that host
#   pulumi-resource-pulumi-python  Pulumi's dynamic-provider plugin launcher (python -u -m pulumi.dynamic)
# The last two are copied unchanged from the github.com/pulumi/pulumi/sdk/v3 module of the same version. Then
# scripts/install-pulumi-yaml.sh adds Pulumi's YAML language host, pulumi-language-yaml, from a module of its own.
#
# Idempotent: skips the CLI's build when .tools/bin/pulumi already reports the pinned version. Needs Go (1.26+).
# Prints its time; fails with one line naming what could not be fetched or built (the log has the rest).
#   PULUMI_DEPOT_TOOLS   where to install (default: <repo>/.tools)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE_DIR="$ROOT/testing/pulumi-cli"
TOOLS="${PULUMI_DEPOT_TOOLS:-$ROOT/.tools}"
BIN="$TOOLS/bin"
LOG="$TOOLS/install-pulumi.log"
START=$(date +%s)

fail() { printf 'install-pulumi: %s (log: %s)\n' "$*" "$LOG" >&2; exit 1; }
mkdir -p "$BIN"
: >"$LOG"

command -v go >/dev/null || fail "Go is not installed: the Pulumi CLI is built from its Go modules (install Go 1.26+)"
VERSION="$(cd "$MODULE_DIR" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3 2>>"$LOG")" \
  || fail "cannot read the pinned Pulumi version from testing/pulumi-cli/go.mod"

if [ -x "$BIN/pulumi" ] && [ "$("$BIN/pulumi" version 2>/dev/null)" = "$VERSION" ]; then
  echo "install-pulumi: pulumi $VERSION already built in $BIN"
else
  echo "install-pulumi: building pulumi $VERSION from github.com/pulumi/pulumi/pkg/v3 (first build: several minutes)"
  (cd "$MODULE_DIR" && go mod download github.com/pulumi/pulumi/pkg/v3 >>"$LOG" 2>&1) \
    || fail "could not fetch github.com/pulumi/pulumi/pkg/v3@$VERSION from the Go module proxy: $(tail -n 1 "$LOG")"
  (cd "$MODULE_DIR" && go build -trimpath -o "$BIN/pulumi.new" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >>"$LOG" 2>&1) \
    || fail "go build of github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$VERSION failed: $(tail -n 1 "$LOG")"
  mv "$BIN/pulumi.new" "$BIN/pulumi"
fi

# Seconds when Go's build cache holds pkg/v3 already (it does after the CLI's build).
(cd "$MODULE_DIR" && go build -trimpath -o "$BIN/pulumi-language-python.new" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION" ./python-host >>"$LOG" 2>&1) \
  || fail "go build of testing/pulumi-cli/python-host failed: $(tail -n 1 "$LOG")"
mv "$BIN/pulumi-language-python.new" "$BIN/pulumi-language-python"
SDK_DIR="$(cd "$MODULE_DIR" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3 2>>"$LOG")" \
  || fail "cannot locate the github.com/pulumi/pulumi/sdk/v3 module (go mod download in testing/pulumi-cli)"
install -m 0755 "$SDK_DIR/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
install -m 0755 "$SDK_DIR/python/dist/pulumi-resource-pulumi-python" "$BIN/pulumi-resource-pulumi-python"
rm -f "$BIN/language_host.py" "$BIN/pulumi-python-codegen"  # the stand-ins an older checkout installed
"$BIN/pulumi" version >/dev/null 2>>"$LOG" || fail "the built $BIN/pulumi does not run"
echo "install-pulumi: pulumi $VERSION ready in $BIN ($(( $(date +%s) - START )) s)"
PULUMI_DEPOT_TOOLS="$TOOLS" bash "$ROOT/scripts/install-pulumi-yaml.sh"
