"""Request validation: every rejection is invalid_argument with a message naming the field and the fix."""

from __future__ import annotations

from typing import TypeGuard, get_args

from pulumi_depot_provider.client.project_settings import (
    DEFAULT_KEEP_DAYS,
    DEFAULT_KEEP_GB,
    GIB,
    INT32_MAX,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    REGIONS,
)
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.trust_kinds import TRUST_FIELDS, one_of

from depot_local.connect import invalid
from depot_local.store import Provider


def required_id(field: str, value: str) -> str:
    if not value:
        raise invalid(f"{field} is required")
    if len(value) > MAX_TEXT_LENGTH:
        raise invalid(f"{field} is {len(value)} characters; ids are at most {MAX_TEXT_LENGTH}")
    return value


def name(value: str, field: str = "name") -> str:
    if not value.strip():
        raise invalid(f"{field} must not be empty")
    if len(value) > MAX_NAME_LENGTH:
        raise invalid(f"{field} is {len(value)} characters; at most {MAX_NAME_LENGTH} are allowed")
    return value


def region(value: str, field: str = "region_id") -> str:
    if value not in REGIONS:
        shown = repr(value[:MAX_NAME_LENGTH]) if value else "empty"
        raise invalid(f"{field} is {shown}; use one of: {', '.join(REGIONS)}")
    return value


def hardware(value: int) -> int:
    if value not in pb.Hardware.values():
        names = ", ".join(pb.Hardware.keys())
        raise invalid(f"hardware {value} is not a known value; use one of: {names} (UNSPECIFIED = Depot's default)")
    return value


def cache_policy(policy: pb.CachePolicy) -> tuple[int, int]:
    """(keep_gb, keep_days) from a CachePolicy that states keep_gb, legacy keep_bytes (a whole number of GB,
    GB x 1024^3), or both in agreement. keep_days 0 means no time limit."""
    if policy.keep_days < 0:
        raise invalid(f"cache_policy.keep_days is {policy.keep_days}; use 0 (no limit) or a positive number of days")
    if policy.keep_gb < 0:
        raise invalid(f"cache_policy.keep_gb is {policy.keep_gb}; use a positive number of GB")
    keep_gb = policy.keep_gb
    if policy.HasField("keep_bytes"):
        keep_bytes = policy.keep_bytes
        if keep_bytes < 0 or keep_bytes % GIB:
            raise invalid(f"cache_policy.keep_bytes is {keep_bytes}; use a whole number of GB (a multiple of {GIB})")
        if keep_bytes // GIB > INT32_MAX:
            raise invalid(f"cache_policy.keep_bytes is {keep_bytes}; at most {INT32_MAX} GB")
        if keep_gb and keep_gb * GIB != keep_bytes:
            raise invalid(
                f"cache_policy.keep_bytes ({keep_bytes}) and cache_policy.keep_gb ({keep_gb}) disagree; "
                "send keep_gb alone"
            )
        keep_gb = keep_bytes // GIB
    if keep_gb == 0:
        raise invalid(
            "cache_policy.keep_gb must be at least 1 (or set keep_bytes); "
            f"omit cache_policy for Depot's default of {DEFAULT_KEEP_GB} GB / {DEFAULT_KEEP_DAYS} days"
        )
    return keep_gb, policy.keep_days


def text(field: str, value: str) -> str:
    if not value.strip():
        raise invalid(f"{field} must not be empty")
    if len(value) > MAX_TEXT_LENGTH:
        raise invalid(f"{field} is {len(value)} characters; at most {MAX_TEXT_LENGTH} are allowed")
    return value


def _is_provider(name: str | None) -> TypeGuard[Provider]:
    return name in get_args(Provider)


def trust_policy(request: pb.AddTrustPolicyRequest) -> tuple[Provider, dict[str, str]]:
    """(provider, fields) of the one provider an AddTrustPolicy sets."""
    provider = request.WhichOneof("provider")
    if not _is_provider(provider):  # None: no provider set (the oneof's members are Provider's names)
        raise invalid(f"set exactly one trust policy provider: {one_of()}")
    message = getattr(request, provider)
    fields = {field: text(f"{provider}.{field}", getattr(message, field)) for field in TRUST_FIELDS[provider]}
    return provider, fields
