"""Shard views: what `pulumi-depot fleet` hands each shard's program, so that it reads only its own tenants.

Without a view, every shard's program reads and validates the whole tenants file: across the shards that work grows
with the fleet's size squared (about 1 s per program for 1,000 tenants in YAML). Before a ``preview`` or ``up`` the
command, which has validated the whole file once, writes one JSON view per shard into a private temporary directory:
the tenants file's document with only that shard's tenants, and the SHA-256 of the tenants file and of the shard file
it was made from. The shard's ``pulumi`` runs with the view's path in ``PULUMI_DEPOT_FLEET_VIEW``: the environment,
not the stack config, which is the same in every shard on purpose (``pulumi_depot.fleet_shards``).

A program (``depot.TenantFleet``) uses a view only when it is for the program's shard and tenants file and both files
still hash as recorded. Otherwise (run by hand, a file edited during the run, a view gone) it reads the whole file, as
it always did. A subset of a valid tenants document is valid and resolves each of its tenants as the whole does (each
rule across tenants forbids a conflict between two of them), so a view declares exactly what the file would.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Final

from pulumi_depot.fleet_shards import lock_path
from pulumi_depot.tenants_file import TenantsDocument, TenantsFile, parse_tenants

__all__ = ["VIEW_ENV", "load_view", "write_view"]

VIEW_ENV: Final = "PULUMI_DEPOT_FLEET_VIEW"
VIEW_VERSION: Final = 1


def _sha256(path: Path) -> str | None:
    """The file's SHA-256, or None when there is no such file. Raises OSError when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def write_view(
    directory: Path,
    tenants_file: Path,
    document: TenantsDocument,
    lock_sha256: str | None,
    shard: str,
    tenants: Collection[str],
) -> Path | None:
    """Write ``shard``'s view into ``directory``: its ``tenants`` of the validated ``document`` (read from
    ``tenants_file``), assigned by the shard file whose bytes hash to ``lock_sha256`` (None: there was none). None
    when the view cannot be written (the program then reads the whole file)."""
    data = document.data
    if not isinstance(data, Mapping) or not isinstance(data.get("tenants"), list):
        return None
    wanted = set(tenants)
    own = [entry for entry in data["tenants"] if isinstance(entry, Mapping) and entry.get("id") in wanted]
    view = {
        "version": VIEW_VERSION,
        "shard": shard,
        "tenants_file": str(tenants_file.resolve()),
        "tenants_sha256": document.sha256,
        "lock_sha256": lock_sha256,
        "document": {**data, "tenants": own},
    }
    path = directory / f"{shard}.json"
    try:
        path.write_text(json.dumps(view, allow_nan=False), encoding="utf-8")
    except (TypeError, ValueError, OSError):  # a value JSON cannot spell, a full disk: the same result, only slower
        return None
    return path


def load_view(tenants_file: str | os.PathLike[str], shard: str) -> TenantsFile | None:
    """The shard's tenants from the view ``PULUMI_DEPOT_FLEET_VIEW`` names, when it is this shard's view of this
    tenants file as it is now (both files hash as recorded); None otherwise: then read the whole file."""
    name = os.environ.get(VIEW_ENV)
    if not name:
        return None
    try:
        view = json.loads(Path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    file = Path(tenants_file)
    try:
        if (
            not isinstance(view, dict)
            or view.get("version") != VIEW_VERSION
            or view.get("shard") != shard
            or view.get("tenants_file") != str(file.resolve())
            or view.get("tenants_sha256") != _sha256(file)
            or view.get("lock_sha256") != _sha256(lock_path(file))
        ):
            return None
    except (OSError, RuntimeError):  # a file that cannot be read (reading the whole file then says why), a link loop
        return None
    return parse_tenants(view.get("document"), str(file))
