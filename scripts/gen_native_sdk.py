"""Generate sdk/pulumi_depot_native, the Python SDK of the native provider plugin pulumi-resource-depot, with
`pulumi package gen-sdk --language python` (Pulumi's own code generator) from the schema the plugin serves
(provider/pulumi_depot_provider/native/schema.json with the plugin's version, as GetSchema returns it).

Run: python scripts/gen_native_sdk.py [OUT_DIR]   (after python scripts/gen_schema.py; default sdk/pulumi_depot_native)

It keeps what gen-sdk writes for the package, its own distribution: pyproject.toml and the package directory
pulumi_depot_native/ (every file generated; the .py files say so in their header), .gitignore (which keeps an
editable install's egg-info out of git) and, as README.md beside pyproject.toml (which names it), a copy of the
package's generated README; not .gitattributes. tests/test_native_sdk_fresh.py regenerates it and
compares every file. Needs the `pulumi` that scripts/install-pulumi.sh builds (PULUMI, else .tools/bin/pulumi).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pulumi_depot_provider.native.provider import schema_text

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "sdk" / "pulumi_depot_native"
PACKAGE = "pulumi_depot_native"
KEPT = ("pyproject.toml", ".gitignore", PACKAGE)
PULUMI = Path(os.environ.get("PULUMI", ROOT / ".tools" / "bin" / "pulumi"))


def generate(out: Path, *, version: str | None = None) -> None:
    """Write the generated SDK's files to ``out`` (replacing what gen_native_sdk.py wrote there before); ``version``
    (semver) instead of the plugin's, for tests."""
    with tempfile.TemporaryDirectory(prefix="gen-native-sdk-") as tmp:
        work = Path(tmp)
        schema = work / "schema.json"
        spec = json.loads(schema_text())
        spec["version"] = version or spec["version"]
        schema.write_text(json.dumps(spec, indent=2, ensure_ascii=False), encoding="utf-8")
        env = {
            **os.environ,
            "PATH": os.pathsep.join([str(PULUMI.parent), os.environ.get("PATH", "")]),
            "PULUMI_HOME": str(work / "pulumi-home"),  # the user's plugin cache and credentials stay untouched
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_PYTHON_CMD": sys.executable,
        }
        completed = subprocess.run(
            [str(PULUMI), "package", "gen-sdk", str(schema), "--language", "python", "--out", str(work / "out")],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise SystemExit(f"pulumi package gen-sdk failed:\n{completed.stdout}{completed.stderr}")
        generated = work / "out" / "python"
        if json.loads((generated / PACKAGE / "pulumi-plugin.json").read_text())["name"] != "depot":
            raise SystemExit(f"{generated / PACKAGE} is not the depot plugin's SDK")
        for name in KEPT:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        out.mkdir(parents=True, exist_ok=True)
        for name in KEPT:
            source = generated / name
            if source.is_dir():
                shutil.copytree(source, out / name)
            else:
                shutil.copy2(source, out / name)
        # The generated pyproject.toml names README.md beside it, which gen-sdk leaves for a release build to put
        # there (without it, every install warns): the package's own generated README.
        shutil.copyfile(out / PACKAGE / "README.md", out / "README.md")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
