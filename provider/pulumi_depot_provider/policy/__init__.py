"""The trust allowlist as a Pulumi CrossGuard policy pack, for teams that keep policy outside the program's repository.

    python -m pulumi_depot_provider.policy depot-policy        # writes the pack directory (see __main__.py)
    pulumi preview --policy-pack depot-policy --policy-pack-config allowed-trust.json

with allowed-trust.json holding the same object as `depot:allowedTrust`:

    {"depot-trust-allowlist": {"allowedTrust": {"github": ["acme"], "buildkite": ["acme"], "circleci": ["<UUID>"]}}}

Every Depot trust policy and trust policy set, dynamic (`pulumi-python:dynamic/depot:TrustPolicy`) or native
(`depot:index:TrustPolicy`), is checked with the provider's own guardrail code: its resources' `trust_entries`, the
allowlist's parser and `AllowedTrust.permits`. The pack is mandatory: a grant outside the allowlist fails the
preview. This module has the rule; pack.py serves it with pulumi-policy (`pulumi-depot[policy]`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi.runtime import rpc

from pulumi_depot_provider.allowlist import parse_allowed_trust, refusal, shown, shown_repr
from pulumi_depot_provider.config import ConfigurationError
from pulumi_depot_provider.guardrail import TRUST_FIELDS, AllowedTrust, GuardedTrust, policy_key
from pulumi_depot_provider.native.names import to_core, wire_path
from pulumi_depot_provider.resources.registry import RESOURCES
from pulumi_depot_provider.tokens import NATIVE_PREFIX, native_token

PACK_NAME = "pulumi-depot-trust"
POLICY_NAME = "depot-trust-allowlist"
CONFIG_KEY = "allowedTrust"
CONFIG_NAME = f"the policy pack's {CONFIG_KEY}"
DESCRIPTION = "Depot trust policies grant only the CI pipelines that the allowlist names."

GUARDED: dict[str, type[GuardedTrust[Any, Any]]] = {
    entry.native_token: entry.core
    for entry in RESOURCES
    if entry.core.carries_stack_allowed_trust and issubclass(entry.core, GuardedTrust)
}
"""depot:index:TrustPolicy and depot:index:TrustPolicySet -> the resource whose `trust_entries` finds the grants."""


def guarded_type(resource_type: str) -> str | None:
    """The native token of a Depot trust resource of either front end, None for any other type."""
    try:
        token = resource_type if resource_type.startswith(NATIVE_PREFIX) else native_token(resource_type)
    except ValueError:
        return None
    return token if token in GUARDED else None


def parse_config(config: Mapping[str, Any] | None) -> AllowedTrust:
    """The pack's allowlist, parsed by the provider's parser. Raises ConfigurationError naming the pack's config."""
    raw = (config or {}).get(CONFIG_KEY)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ConfigurationError(
            f'{CONFIG_NAME} is not set: give the pack a --policy-pack-config file holding {{"{POLICY_NAME}": '
            f'{{"{CONFIG_KEY}": {{"github": ["<repository owner>"], ...}}}}}}'
        )
    return parse_allowed_trust(raw, CONFIG_NAME)


def violations(resource_type: str, props: Mapping[str, Any], allowed: AllowedTrust) -> list[str]:
    """One message per grant of this resource that the allowlist does not allow. Values not known yet (preview of
    a new project) are skipped, as the provider's check skips them."""
    token = guarded_type(resource_type)
    if token is None:
        return []
    found = []
    native = resource_type.startswith(NATIVE_PREFIX)  # camelCase inputs, as the schema names them
    resource = GUARDED[token]
    for path, provider, fields in resource.trust_entries(to_core(resource.args_model, props) if native else props):
        field, _ = TRUST_FIELDS[provider]
        value = fields.get(field)
        if not isinstance(value, str) or value == rpc.UNKNOWN or allowed.permits(provider, fields):
            continue
        # As the provider's check words it, values escaped and cut: they come from the program.
        key = policy_key(provider, {name: shown(str(item)) for name, item in fields.items()})
        where = wire_path(f"{path}.{field}") if native else f"{path}.{field}"
        found.append(
            f"{where}: {refusal(key)}: {CONFIG_NAME} allows {allowed.describe(provider)}; "
            f"add {shown_repr(value)} to its {provider!r} list (--policy-pack-config) if this grant is intended"
        )
    return found


def plain(value: Any, unknown: type[Exception]) -> Any:
    """A copy of pulumi-policy's property proxies as dicts and lists, with each value whose access raises
    `unknown` (not known during preview) replaced by the engine's unknown sentinel."""
    if isinstance(value, Mapping):
        items = {}
        for key in value:
            try:
                items[key] = plain(value[key], unknown)
            except unknown:
                items[key] = rpc.UNKNOWN
        return items
    if isinstance(value, Sequence) and not isinstance(value, str):
        elements = []
        for index in range(len(value)):
            try:
                elements.append(plain(value[index], unknown))
            except unknown:
                elements.append(rpc.UNKNOWN)
        return elements
    return value
