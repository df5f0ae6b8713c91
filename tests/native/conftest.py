"""The native plugin must be installed for these tests: its absence fails them (it is a console script of the
package, so `pip install -e .` puts it in the virtualenv)."""

from __future__ import annotations

import pytest
from native_stack import plugin_missing


@pytest.fixture(autouse=True)
def _native_plugin_installed() -> None:
    missing = plugin_missing()
    if missing is not None:
        pytest.fail(missing)
