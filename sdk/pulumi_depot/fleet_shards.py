"""Fleet shards: which stack deploys each tenant of a tenants file (`pulumi-depot fleet`).

A tenant's shard is stable. It is the tenant's ``shard:`` key in the tenants file, or else the shard recorded for it
in the shard file beside the tenants file (``tenants.yaml`` -> ``tenants.shards.yaml``; commit it). A tenant in
neither is assigned once, by ``assign``: to the lowest-numbered automatic shard (``shard-0``, ``shard-1``, ...)
holding fewer than ``shard_size`` tenants. Nothing ever reassigns a recorded tenant: adding or removing tenants
moves no other tenant; only ``pulumi-depot fleet move`` does, with the tenant's resources. A tenant removed from the
tenants file keeps its record until an ``up`` of its shard has deleted it (``prune``), so re-adding it before then
finds it where its resources are.

Format (YAML, written sorted by the command)::

    # pulumi-depot fleet: the shard of each tenant of tenants.yaml. Commit this file.
    version: 1
    tenants:
      acme: shard-0
      globex: eu

A program learns its shard from its stack: the command sets the stack config ``pulumi-depot:fleet`` to
``{stackPrefix: <prefix>}`` on every shard's stack (named ``<prefix><shard>``), and ``depot.TenantFleet`` then
deploys the tenants of the shard its stack's name gives, also when run by hand (``pulumi up -s <prefix><shard>``).
The value is the same in every shard, on purpose: a dynamic provider's recorded inputs hold the whole stack config,
and ``pulumi state move`` (``fleet move``) refuses to carry a resource's provider to a stack where the same
provider has other inputs; keep per-shard config out of shard stacks for the same reason.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from pulumi_depot.tenants_file import (
    SHARD_PATTERN,
    SHARD_RULE,
    TENANT_ID_PATTERN,
    TenantsFile,
    TenantsFileError,
)

__all__ = [
    "SHARD_CONFIG_KEY",
    "ShardLock",
    "ShardPlan",
    "assign",
    "load_lock",
    "lock_path",
    "prune",
    "read_lock",
    "shard_name_problem",
    "shard_of_stack",
    "shard_tenants",
    "write_lock",
]

SHARD_CONFIG_NAMESPACE: Final = "pulumi-depot"
SHARD_CONFIG_NAME: Final = "fleet"
SHARD_CONFIG_KEY: Final = f"{SHARD_CONFIG_NAMESPACE}:{SHARD_CONFIG_NAME}"
PREFIX_FIELD: Final = "stackPrefix"
AUTO_SHARD: Final = re.compile(r"^shard-(\d+)$")
DEFAULT_SHARD_SIZE: Final = 50  # the fastest of 50 and 100 in docs/performance.md
LOCK_VERSION: Final = 1

_Tenant = Annotated[str, StringConstraints(pattern=TENANT_ID_PATTERN)]
_Shard = Annotated[str, StringConstraints(pattern=SHARD_PATTERN)]


class ShardLock(BaseModel):
    """The shard file: tenant id -> shard."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = LOCK_VERSION
    tenants: dict[_Tenant, _Shard] = Field(default_factory=dict)


def lock_path(tenants_file: str | os.PathLike[str]) -> Path:
    """The shard file of a tenants file: beside it, ``<stem>.shards.yaml``."""
    path = Path(tenants_file)
    return path.with_name(f"{path.stem}.shards.yaml")


def shard_name_problem(name: object) -> str | None:
    if isinstance(name, str) and re.match(SHARD_PATTERN, name):
        return None
    return f"the shard name {name!r} {SHARD_RULE}"


def shard_of_stack(setting: object, stack: str) -> tuple[str | None, str | None]:
    """(the shard, None) that stack config ``pulumi-depot:fleet`` and the stack's name give, or (None, why not)."""
    prefix = setting.get(PREFIX_FIELD) if isinstance(setting, Mapping) else None
    if not isinstance(setting, Mapping) or not isinstance(prefix, str) or set(setting) != {PREFIX_FIELD}:
        return None, (
            f"stack config {SHARD_CONFIG_KEY} must be {{{PREFIX_FIELD}: <prefix of the shard stacks' names>}}, as "
            "`pulumi-depot fleet` sets it"
        )
    if not stack.startswith(prefix):
        return None, f"the stack {stack!r} is not named {prefix}<shard> ({SHARD_CONFIG_KEY}.{PREFIX_FIELD})"
    shard = stack[len(prefix) :]
    problem = shard_name_problem(shard)
    return (None, f"the stack {stack!r}: {problem}") if problem else (shard, None)


def load_lock(path: str | os.PathLike[str]) -> ShardLock:
    """The shard file, or an empty record when there is none yet. Raises TenantsFileError when it is unusable."""
    return read_lock(path)[0]


def read_lock(path: str | os.PathLike[str]) -> tuple[ShardLock, str | None]:
    """(the shard file, the SHA-256 of the bytes it was read from; None when there is no file yet)."""
    file = Path(path)
    if not file.exists():
        return ShardLock(), None
    try:
        raw = file.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise TenantsFileError(str(file), [f"cannot read the shard file: {error}"]) from None
    try:
        lock = ShardLock.model_validate(data if data is not None else {})
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"])
            reason = SHARD_RULE if item["type"] == "string_pattern_mismatch" else item["msg"]
            problems.append(f"{where}: {reason}")
        raise TenantsFileError(str(file), problems) from None
    if lock.version != LOCK_VERSION:
        raise TenantsFileError(str(file), [f"version: {lock.version} is not {LOCK_VERSION}; upgrade pulumi-depot"])
    return lock, hashlib.sha256(raw).hexdigest()


def write_lock(path: str | os.PathLike[str], lock: ShardLock, tenants_file_name: str) -> str:
    """Write the shard file atomically (a reader never sees half of it), tenants sorted; returns the SHA-256 of the
    bytes written."""
    file = Path(path)
    header = (
        f"# pulumi-depot fleet: the shard (stack) of each tenant of {tenants_file_name}. Commit this file.\n"
        "# A tenant stays in its shard; `pulumi-depot fleet move TENANT --to SHARD` moves one with its resources.\n"
    )
    body = yaml.safe_dump(
        {"version": lock.version, "tenants": dict(sorted(lock.tenants.items()))}, sort_keys=False, width=120
    )
    raw = (header + body).encode("utf-8")
    temporary = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    temporary.write_bytes(raw)
    os.replace(temporary, file)
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class ShardPlan:
    """The shard of every tenant of the file (and of removed tenants still recorded), after ``assign``."""

    lock: ShardLock
    assigned: dict[str, str]
    """Tenants given a shard by this plan (they had none): tenant -> shard."""
    removed: dict[str, str]
    """Recorded tenants no longer in the tenants file: tenant -> the shard whose next up deletes them."""

    def shards(self) -> list[str]:
        """Every shard, automatic ones in number order, then named ones alphabetically."""
        return sorted(set(self.lock.tenants.values()), key=_shard_order)

    def tenants_of(self, shard: str) -> list[str]:
        return sorted(tenant for tenant, where in self.lock.tenants.items() if where == shard)


def _shard_order(name: str) -> tuple[int, int, str]:
    automatic = AUTO_SHARD.match(name)
    return (0, int(automatic[1]), "") if automatic else (1, 0, name)


def assign(fleet: TenantsFile, lock: ShardLock, shard_size: int = DEFAULT_SHARD_SIZE, source: str = "") -> ShardPlan:
    """Give every tenant of ``fleet`` without a shard one, leaving every recorded tenant where it is.

    Raises TenantsFileError when a tenant's ``shard:`` key names another shard than the one recorded for it (its
    resources are there: move it with `pulumi-depot fleet move`, or set the key back)."""
    if shard_size < 1:
        raise ValueError(f"shard_size must be at least 1, not {shard_size}")
    recorded = dict(lock.tenants)
    problems = []
    for index, tenant in enumerate(fleet.tenants):
        where = recorded.get(tenant.id)
        if tenant.shard is not None and where is not None and where != tenant.shard:
            problems.append(
                f"tenant {tenant.id!r} (tenants[{index}]): shard: {tenant.shard!r}, but its resources are in shard "
                f"{where!r}; run `pulumi-depot fleet move {tenant.id} --to {tenant.shard}` to move them, or set "
                f"shard: {where}"
            )
    if problems:
        raise TenantsFileError(source or "tenants file", problems)
    declared = {tenant.id for tenant in fleet.tenants}
    removed = {tenant: shard for tenant, shard in recorded.items() if tenant not in declared}
    result = dict(recorded)
    assigned: dict[str, str] = {}
    for tenant in fleet.tenants:
        if tenant.id not in result and tenant.shard is not None:
            result[tenant.id] = assigned[tenant.id] = tenant.shard
    sizes = _sizes(result.values())
    for tenant in fleet.tenants:
        if tenant.id in result:
            continue
        shard = _open_shard(sizes, shard_size)
        result[tenant.id] = assigned[tenant.id] = shard
        sizes[shard] = sizes.get(shard, 0) + 1
    return ShardPlan(ShardLock(tenants=result), assigned, removed)


def _sizes(shards: Iterable[str]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for shard in shards:
        sizes[shard] = sizes.get(shard, 0) + 1
    return sizes


def _open_shard(sizes: Mapping[str, int], shard_size: int) -> str:
    """The lowest-numbered automatic shard with room (one not there yet has room)."""
    number = 0
    while sizes.get(f"shard-{number}", 0) >= shard_size:
        number += 1
    return f"shard-{number}"


def prune(lock: ShardLock, shard: str, declared: Iterable[str]) -> ShardLock:
    """The record without the tenants of ``shard`` that the tenants file no longer declares (after an up of that
    shard deleted them)."""
    keep = set(declared)
    tenants = {tenant: where for tenant, where in lock.tenants.items() if where != shard or tenant in keep}
    return lock.model_copy(update={"tenants": tenants})


def shard_tenants(fleet: TenantsFile, tenants_file: str | os.PathLike[str], shard: str) -> tuple[list[str], list[str]]:
    """(the tenants of ``shard``, the tenants with no shard yet): what a program deploying one shard declares."""
    lock = load_lock(lock_path(tenants_file))
    mine, unassigned = [], []
    for index, tenant in enumerate(fleet.tenants):
        recorded = lock.tenants.get(tenant.id)
        if tenant.shard is not None and recorded is not None and recorded != tenant.shard:
            raise TenantsFileError(
                str(tenants_file),
                [
                    f"tenant {tenant.id!r} (tenants[{index}]): shard: {tenant.shard!r}, but "
                    f"{lock_path(tenants_file).name} records shard {recorded!r}; run `pulumi-depot fleet move "
                    f"{tenant.id} --to {tenant.shard}`, or set shard: {recorded}"
                ],
            )
        where = recorded or tenant.shard
        if where == shard:
            mine.append(tenant.id)
        elif where is None:
            unassigned.append(tenant.id)
    return mine, unassigned
