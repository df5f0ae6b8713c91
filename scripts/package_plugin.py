"""Package the native provider plugin for Pulumi's plugin cache:
dist/pulumi-resource-depot-v<version>-linux-<arch>.tar.gz holding one executable, `pulumi-resource-depot`, a
launcher that runs the plugin with a Python that has pulumi-depot installed. Install it with

    pulumi plugin install resource depot <version> --file dist/pulumi-resource-depot-v<version>-linux-<arch>.tar.gz

Run: python scripts/package_plugin.py [--python PYTHON] [--out DIR]

The launcher runs the plugin (pulumi_depot_provider.native.server) with PYTHON: PULUMI_DEPOT_PYTHON in the engine's
environment when set, else the interpreter written into the launcher: --python, default the one running this script
(so run it with the virtualenv's python that has pulumi-depot). <version> is the plugin's own (semver), which the
generated SDK pulumi_depot_native asks the engine for; the tarball is byte-for-byte the same for the same inputs.
"""

from __future__ import annotations

import argparse
import gzip
import io
import platform
import shlex
import sys
import tarfile
from pathlib import Path

from pulumi_depot_provider.native.provider import plugin_version

ROOT = Path(__file__).resolve().parent.parent
PYTHON_ENV = "PULUMI_DEPOT_PYTHON"
# Pulumi's names for the architectures (platform.machine() -> the tarball's suffix).
ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}

LAUNCHER = """#!/bin/sh
# pulumi-resource-depot, the native Depot provider plugin: made by pulumi-depot's scripts/package_plugin.py.
# Runs the plugin with {env} if set, else the Python this tarball was built with; it needs pulumi-depot installed.
built_with={python}
python="${{{env}:-$built_with}}"
if ! command -v "$python" >/dev/null 2>&1; then
  echo "pulumi-resource-depot: no Python at '$python': set {env} to a Python with pulumi-depot installed" >&2
  exit 1
fi
exec "$python" -c '
import sys
try:
    from pulumi_depot_provider.native.server import main
except ImportError as error:
    sys.exit(f"pulumi-resource-depot: {{sys.executable}} cannot import the plugin ({{error}}): "
             "set {env} to a Python with pulumi-depot installed (pip install pulumi-depot)")
main()
' "$@"
"""


def launcher(python: str) -> bytes:
    return LAUNCHER.format(env=PYTHON_ENV, python=shlex.quote(python)).encode()


def tarball_name(version: str, machine: str | None = None) -> str:
    machine = (machine or platform.machine()).lower()
    if machine not in ARCHES:
        raise SystemExit(f"package_plugin: no Pulumi architecture name for {machine!r} (known: {sorted(ARCHES)})")
    return f"pulumi-resource-depot-v{version}-linux-{ARCHES[machine]}.tar.gz"


def package(out_dir: Path, python: str = sys.executable) -> Path:
    """Write the tarball into ``out_dir``; returns its path."""
    if sys.platform != "linux":
        raise SystemExit("package_plugin: the launcher is a POSIX shell script for linux tarballs")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / tarball_name(plugin_version())
    data = launcher(python)
    info = tarfile.TarInfo("pulumi-resource-depot")
    info.size, info.mode, info.mtime = len(data), 0o755, 0  # executable; mtime 0 (and gzip's): reproducible
    with (
        path.open("wb") as file,
        gzip.GzipFile(fileobj=file, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.addfile(info, io.BytesIO(data))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="the launcher's Python (default: this one)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where to write the tarball (default: dist/)")
    arguments = parser.parse_args()
    print(package(arguments.out, arguments.python))


if __name__ == "__main__":
    main()
