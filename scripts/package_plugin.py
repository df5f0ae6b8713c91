"""Package the native provider plugin as Pulumi releases it:
dist/pulumi-resource-depot-v<version>-<os>-<arch>.tar.gz for the machine this runs on, which the engine downloads from
the schema's pluginDownloadURL (or `pulumi plugin install resource depot <version> --file <tarball>` installs).

Run: python scripts/package_plugin.py [--out DIR]   (with the virtualenv's python: pip install -e '.[dev]')

The archive holds a PyInstaller one-folder build: the executable `pulumi-resource-depot` and `_internal/` (Python
itself, the plugin and its dependencies), so the plugin needs no Python, virtualenv or pulumi-depot on the machine
that runs it, only a glibc as new as the builder's. PyInstaller builds for the platform it runs on: a release runs
this once per platform. A one-folder build starts as fast as the virtualenv's console script; a zipapp (shiv, pex)
or a one-file build unpacks itself first and starts 2-3 times slower (docs/development.md has the figures).
The tarball's entries are sorted, with mtime 0 and no owner, so equal builds give equal bytes.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from pulumi_depot_provider.native.provider import plugin_version

ROOT = Path(__file__).resolve().parent.parent
EXECUTABLE = "pulumi-resource-depot"
# Pulumi's names for the operating systems and architectures (sys.platform, platform.machine() -> the suffix).
SYSTEMS = {"linux": "linux", "darwin": "darwin"}
ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
# Installed beside the plugin for development and imported by nothing it runs (grpc only tries grpc_tools).
EXCLUDED = ("boto3", "botocore", "depot_local", "grpc_tools", "hypothesis", "moto", "mypy", "pytest", "setuptools")
ENTRY = "from pulumi_depot_provider.native.server import main\n\nmain()\n"


def tarball_name(version: str, machine: str | None = None, system: str | None = None) -> str:
    machine, system = (machine or platform.machine()).lower(), system or sys.platform
    if machine not in ARCHES or system not in SYSTEMS:
        raise SystemExit(
            f"package_plugin: no Pulumi platform name for {system}/{machine} "
            f"(known: {sorted(SYSTEMS)} x {sorted(ARCHES)})"
        )
    return f"pulumi-resource-depot-v{version}-{SYSTEMS[system]}-{ARCHES[machine]}.tar.gz"


def freeze(work: Path) -> Path:
    """PyInstaller's one-folder build of the plugin under ``work``; returns the folder."""
    (work / "entry.py").write_text(ENTRY, encoding="utf-8")
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
    command += ["--name", EXECUTABLE, "--distpath", str(work / "dist"), "--workpath", str(work / "build")]
    command += ["--specpath", str(work), "--collect-data", "pulumi_depot_provider"]
    # The source tree, so an editable install (whose package folders PyInstaller cannot see) builds too; the
    # generated SDK (TenantProject's Construct builds its children with it) sits one folder down.
    for path in (ROOT / "provider", ROOT / "sdk" / "pulumi_depot_native", ROOT / "sdk", ROOT):
        command += ["--paths", str(path)]
    # Versions read at run time: GetPluginInfo's (pulumi-depot) and the generated SDK's (its _utilities).
    for distribution in ("pulumi-depot", "pulumi_depot_native"):
        command += ["--copy-metadata", distribution]
    for module in EXCLUDED:
        command += ["--exclude-module", module]
    # A fixed hash seed: PyInstaller's own advice for reproducible builds.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    built = subprocess.run([*command, str(work / "entry.py")], env=env, capture_output=True, text=True, check=False)
    if built.returncode != 0:
        raise SystemExit(f"package_plugin: PyInstaller failed (pip install -e '.[dev]' installs it):\n{built.stderr}")
    return work / "dist" / EXECUTABLE


def _normalized(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    info.mode = 0o755 if info.isdir() or info.mode & 0o100 else 0o644
    return info


def write_tarball(folder: Path, path: Path) -> None:
    """``folder``'s files at the archive's root, sorted, without times or owners (gzip's mtime 0 too)."""
    with (
        path.open("wb") as file,
        gzip.GzipFile(fileobj=file, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for entry in sorted(folder.rglob("*")):
            tar.add(entry, arcname=entry.relative_to(folder).as_posix(), recursive=False, filter=_normalized)


def package(out_dir: Path) -> Path:
    """Build the plugin and write its tarball into ``out_dir``; returns the tarball's path."""
    name = tarball_name(plugin_version())
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="package-plugin-") as tmp:
        write_tarball(freeze(Path(tmp)), out_dir / name)
    return out_dir / name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where to write the tarball (default: dist/)")
    print(package(parser.parse_args().out))


if __name__ == "__main__":
    main()
