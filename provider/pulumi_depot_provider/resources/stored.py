"""The dynamic provider classes users' state names, for the resource modules' `__getattr__` (PEP 562).

The core imports nothing from a front end: the classes `pulumi_depot_provider.resources.project.ProjectProvider`,
... are made by the dynamic front end (dynamic.py) the first time their module is asked for them, named by the
module and name that dill pickled into `__provider`. The front end is loaded by name, when first needed.
"""

from __future__ import annotations

import importlib
from typing import Any

DYNAMIC_FRONT_END = "pulumi_depot_provider.dynamic"


def stored_provider(module: str, name: str) -> Any:
    if name.startswith("__") or not name.endswith("Provider"):
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    return importlib.import_module(DYNAMIC_FRONT_END).stored_provider(module, name)
