"""Generate sdk/nodejs and sdk/go, the TypeScript and Go SDKs of the native provider plugin pulumi-resource-depot,
with Pulumi's own code generators (pkg/v3 codegen/nodejs and codegen/go, which Pulumi's Node and Go language hosts
run for `pulumi package gen-sdk`; those hosts cannot be fetched here) from the schema the plugin serves
(provider/pulumi_depot_provider/native/schema.json with the plugin's version, as GetSchema returns it).

Run: python scripts/gen_sdks.py   (after python scripts/gen_schema.py)

Every file the generators write is kept (the source files say they are generated, in their header); the names and
pinned versions come from the schema's language.nodejs / language.go sections (scripts/gen_schema.py). Beside them,
the pins the package managers write: sdk/nodejs/package-lock.json (`npm install --package-lock-only`) and
sdk/go/go.mod + go.sum (`go mod tidy`, requiring github.com/pulumi/pulumi/sdk/v3 at the version of the Pulumi CLI
testing/pulumi-cli builds). tests/test_sdks_fresh.py regenerates the SDKs and compares every generated file, and
compiles both. The generator, testing/pulumi-cli/sdk-codegen, is built into .tools/bin (seconds once Go's build cache
holds pkg/v3, which it does after scripts/install-pulumi.sh).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pulumi_depot_provider.native.provider import schema_text

ROOT = Path(__file__).resolve().parent.parent
MODULE_DIR = ROOT / "testing" / "pulumi-cli"
CODEGEN = Path(os.environ.get("PULUMI_DEPOT_TOOLS", ROOT / ".tools")) / "bin" / "pulumi-sdk-codegen"
LANGUAGES = {"nodejs": ROOT / "sdk" / "nodejs", "go": ROOT / "sdk" / "go"}
# What the package managers write or install beside the generated files: kept when regenerating.
PINS = {"nodejs": ("package-lock.json",), "go": ("go.mod", "go.sum")}
INSTALLED = ("node_modules", "bin")  # npm ci's packages and tsc's output (the generated .gitignore lists them)


def _run(args: list[str], cwd: Path) -> None:
    completed = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(args)} (in {cwd}) failed:\n{completed.stdout}{completed.stderr}")


def pulumi_version() -> str:
    """The version of github.com/pulumi/pulumi/pkg/v3 that testing/pulumi-cli pins (the CLI the tests run)."""
    found = re.search(r"github\.com/pulumi/pulumi/pkg/v3 (v\S+)", (MODULE_DIR / "go.mod").read_text())
    if found is None:
        raise SystemExit(f"{MODULE_DIR / 'go.mod'} requires no github.com/pulumi/pulumi/pkg/v3")
    return found.group(1)


def build_codegen() -> Path:
    # -trimpath as scripts/install-pulumi.sh builds the CLI: the same build-cache entries for pkg/v3.
    _run(["go", "build", "-trimpath", "-o", str(CODEGEN), "./sdk-codegen"], MODULE_DIR)
    return CODEGEN


def schema() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(schema_text())
    return spec


def generated_files(root: Path, language: str) -> list[Path]:
    """The generator's files under an SDK directory (not the pins, not what npm or tsc put there)."""
    found: list[Path] = []
    for directory, subdirectories, names in os.walk(root):
        if Path(directory) == root:
            subdirectories[:] = [name for name in subdirectories if name not in INSTALLED]
        found += [Path(directory, name) for name in names]
    return sorted(path for path in found if path.relative_to(root).as_posix() not in PINS[language])


def generate(out: dict[str, Path], *, pins: bool = True) -> None:
    """Write each language's generated SDK to out[language], replacing the generated files there; with ``pins``,
    also bring the package managers' pins up to date (needs the npm registry and the Go module proxy)."""
    codegen = build_codegen()
    with tempfile.TemporaryDirectory(prefix="gen-sdks-") as tmp:
        work = Path(tmp)
        (work / "schema.json").write_text(json.dumps(schema(), indent=2, ensure_ascii=False), encoding="utf-8")
        for language, target in out.items():
            _run([str(codegen), language, str(work / "schema.json"), str(work / language)], work)
            for path in generated_files(target, language) if target.exists() else []:
                path.unlink()
            shutil.copytree(work / language, target, dirs_exist_ok=True)
    if pins and "nodejs" in out:
        _run(["npm", "install", "--package-lock-only", "--no-audit", "--no-fund", "--loglevel=error"], out["nodejs"])
    if pins and "go" in out:
        write_go_mod(out["go"])
        _run(["go", "mod", "tidy"], out["go"])


def write_go_mod(sdk: Path) -> None:
    """The Go module holding the SDK's package: named after the schema's importBasePath, requiring Pulumi's Go SDK
    at the CLI's version (go mod tidy adds the rest)."""
    module = str(schema()["language"]["go"]["importBasePath"]).rsplit("/", 1)[0]
    if not (sdk / "go.mod").exists():
        (sdk / "go.mod").write_text(f"module {module}\n\ngo 1.26\n")  # go mod tidy raises it to what Pulumi needs
    require = f"-require=github.com/pulumi/pulumi/sdk/v3@{pulumi_version()}"
    _run(["go", "mod", "edit", f"-module={module}", require], sdk)


if __name__ == "__main__":
    generate(LANGUAGES)
