"""The built wheel holds the product only: no test tooling (the dynamic-host driver, the real-engine harness, the
language-host launcher), no tests, no examples."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"pulumi_depot", "pulumi_depot_provider", "depot_local"}


def test_the_wheel_ships_no_test_tooling(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("pulumi_depot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/", 1)[0] for name in names if not name.split("/", 1)[0].endswith(".dist-info")}
    assert top_level == PACKAGES
    assert "pulumi_depot_provider/resources/project.py" in names  # the product is there
    tooling = [
        name
        for name in names
        if any(part in name for part in ("engine/", "dynamic_host", "pulumi_stack", "language_host", "conftest"))
    ]
    assert tooling == []
    requirements = next(name for name in names if name.endswith(".dist-info/METADATA"))
    metadata = zipfile.ZipFile(wheel).read(requirements).decode()
    assert "cryptography" not in metadata  # only the deleted runner needed it


def test_the_native_sdk_is_its_own_wheel_holding_the_plugin_file(tmp_path: Path) -> None:
    """sdk/pulumi_depot_native builds as the distribution pulumi_depot_native (its _utilities reads the version of
    the distribution named like the package), with pulumi-plugin.json, depending on pulumi-depot for the plugin."""
    source = tmp_path / "source"
    shutil.copytree(ROOT / "sdk" / "pulumi_depot_native", source, ignore=shutil.ignore_patterns("*.egg-info", "build"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), source],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("pulumi_depot_native-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/", 1)[0] for name in names if ".dist-info" not in name} == {"pulumi_depot_native"}
    assert {"pulumi_depot_native/pulumi-plugin.json", "pulumi_depot_native/py.typed"} <= set(names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist: pulumi-depot\n" in metadata
