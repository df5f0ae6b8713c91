"""The native plugin must be installed for these tests: its absence fails them (it is a console script of the
package, so `pip install -e .` puts it in the virtualenv)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from native_stack import plugin_missing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _native_plugin_installed() -> None:
    missing = plugin_missing()
    if missing is not None:
        pytest.fail(missing)


@pytest.fixture(scope="session")
def plugin_tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """scripts/package_plugin.py's release archive for this machine, built once a session (PyInstaller, 1-2 min)."""
    spec = importlib.util.spec_from_file_location("package_plugin", ROOT / "scripts" / "package_plugin.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tarball: Path = module.package(tmp_path_factory.mktemp("plugin-release"))
    return tarball
