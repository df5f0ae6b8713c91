"""The built wheels hold the product only: no test tooling (the dynamic-host driver, the real-engine harness, the
language-host launcher), no tests, no examples; the local Depot API is its own wheel, depot-local."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"pulumi_depot", "pulumi_depot_provider"}


def _tracked_tree(destination: Path) -> Path:
    """The repository's tracked files, as a clone has them: setuptools' build/ in the working tree keeps modules
    that no longer exist (depot_local/ before it became its own distribution) and would ship them."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    for name in listed.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination


def test_the_wheel_ships_no_test_tooling(tmp_path: Path) -> None:
    source = _tracked_tree(tmp_path / "source")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), source],
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
    assert 'Requires-Dist: depot-local==0.1.0; extra == "local"' in metadata
    assert "hypercorn" not in metadata  # the server's dependencies are depot-local's
    entry_points = zipfile.ZipFile(wheel).read(requirements.replace("METADATA", "entry_points.txt")).decode()
    assert "depot-local" not in entry_points


def test_depot_local_is_its_own_wheel_depending_on_pulumi_depot(tmp_path: Path) -> None:
    """local/ builds as depot-local: the package depot_local and the console script, the server's dependencies, and
    pulumi-depot (same release) for the wire contract it imports (its proto, codecs, trust kinds)."""
    source = tmp_path / "source"
    shutil.copytree(ROOT / "local", source, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), source],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("depot_local-*.whl")
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    assert {name.split("/", 1)[0] for name in names if ".dist-info" not in name} == {"depot_local"}
    assert {"depot_local/cli.py", "depot_local/py.typed"} <= set(names)
    metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist: pulumi-depot==0.1.0\n" in metadata
    assert "Requires-Dist: hypercorn" in metadata
    entry_points = archive.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "depot-local = depot_local.cli:main" in entry_points


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
