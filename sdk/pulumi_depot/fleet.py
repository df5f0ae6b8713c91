"""depot.TenantFleet: one depot.TenantProject per customer, declared in a tenants file or in code.

From a file (format: ``pulumi_depot.tenants_file``; a relative path is relative to the program's directory, where
Pulumi runs it)::

    fleet = depot.TenantFleet("tenants", tenants_file="tenants.yaml")
    # or: fleet = depot.tenant_fleet_from_file("tenants.yaml")
    fleet.export()   # stack outputs tenants_project_ids = {tenant: project id}, tenants_tokens = {tenant: token}

From code (the same keys as the file; ``protect`` / ``retain_on_delete`` are fleet-wide)::

    fleet = depot.TenantFleet(
        "tenants",
        name_template="tenant-{tenant}",
        defaults=depot.TenantDefaultsArgs(region="us-east-1", token=True),
        tenants=[
            depot.TenantArgs(id="acme", trust_policies=[
                depot.GitHubTrustArgs(repository_owner="acme", repository="app"),
            ]),
            depot.TenantArgs(id="globex", region="eu-central-1", cache_policy={"keep_gb": 100, "keep_days": 30}),
        ],
        protect=True,
    )

Everything is validated before any resource is registered: a problem raises ``TenantsFileError`` (a
pulumi.RunError: reported without a traceback) listing every problem with the tenant and field. Values must
therefore be plain values, not Outputs.

Each tenant is a top-level ``depot.TenantProject`` named ``tenant-<id>`` (children ``tenant-<id>``,
``tenant-<id>-trust``, ``tenant-<id>-token``): names depend only on the tenant id, so adding, removing or editing
one tenant changes only that tenant's resources, and renaming the fleet changes nothing. The fleet itself is not a
resource. With ``protect: true`` removing a tenant is refused (to delete one: set protect false with the tenant
still declared, run up, then remove it); with ``retain_on_delete: true`` a removed tenant's project stays in Depot.

Sharded (``pulumi-depot fleet``, see ``pulumi_depot.fleet_shards``): with ``shard=``, or in a shard's stack
(stack config ``pulumi-depot:fleet``, which the command sets; the shard is the stack's name less its prefix), a
fleet from a tenants file declares only the tenants of that shard, by the tenants file's ``shard:`` keys and the
shard file beside it; tenants with no shard yet are left out with a warning (``pulumi-depot fleet up`` assigns
them). Without either, every tenant. Run by ``pulumi-depot fleet``, the program reads only its shard's tenants, from
the command's view of the file (``pulumi_depot.fleet_views``).

Outputs: ``fleet.tenants`` (id -> TenantProject), ``fleet.project_ids`` (Output of {id: project id}),
``fleet.token_secrets`` (secret Output of {id: token}, tenants with a token only), and ``fleet.export(...)``. A token
adopted by import_id has no secret to export: token_secrets and export() then fail the deployment with one line
naming the tenants (rotate their tokens, or export project_ids alone).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import pulumi
from pulumi._types import input_type_to_dict, is_input_type
from pydantic import BaseModel

from pulumi_depot._checks import kind
from pulumi_depot._inputs import CachePolicyArgs
from pulumi_depot._tokens import ADOPTED, secret_or_adopted
from pulumi_depot._trust_entries import PolicyLike, trust_entry
from pulumi_depot.fleet_shards import (
    SHARD_CONFIG_NAME,
    SHARD_CONFIG_NAMESPACE,
    shard_name_problem,
    shard_of_stack,
    shard_tenants,
)
from pulumi_depot.fleet_views import load_view
from pulumi_depot.tenant import TenantProject, TokenLike, TokenSinkLike, adopted_token_error
from pulumi_depot.tenants_file import TenantsFile, TenantsFileError, load_tenants_file, parse_tenants

__all__ = ["TenantArgs", "TenantDefaultsArgs", "TenantFleet", "tenant_fleet_from_file", "tenant_logical_name"]


def tenant_logical_name(tenant_id: str) -> str:
    """The logical name of a fleet tenant's TenantProject (its children add ``-trust`` and ``-token``)."""
    return f"tenant-{tenant_id}"


@dataclass(frozen=True)
class TenantDefaultsArgs:
    """Values for every tenant of a fleet that does not set its own (a tenant's value replaces the default whole)."""

    region: str | None = None
    cache_policy: CachePolicyArgs | Mapping[str, Any] | None = None
    hardware: str | None = None
    token: TokenLike = None
    token_sink: TokenSinkLike = None
    trust_policies: Sequence[PolicyLike] | None = None


@dataclass(frozen=True)
class TenantArgs:
    """One tenant of a fleet declared in code: the keys of a tenants file entry. Checked by TenantFleet, with the
    other tenants, before anything is registered."""

    id: str
    name: str | None = None
    region: str | None = None
    cache_policy: CachePolicyArgs | Mapping[str, Any] | None = None
    hardware: str | None = None
    trust_policies: Sequence[PolicyLike] | None = None
    token: TokenLike = None
    token_sink: TokenSinkLike = None
    import_id: str | None = None


class TenantFleet:
    """Many tenant projects from one declaration (see the module docstring)."""

    name: str
    spec: TenantsFile
    """The validated fleet (the tenants file's model; when sharded, with only this shard's tenants)."""
    tenants: dict[str, TenantProject]
    """Tenant id -> its TenantProject, in declaration order (of this shard only, when sharded)."""
    shard: str | None
    """The shard this program deploys (``shard=``, or its stack's with ``pulumi-depot:fleet`` set), None for all."""

    def __init__(
        self,
        name: str,
        *,
        tenants_file: str | os.PathLike[str] | None = None,
        tenants: Sequence[TenantArgs | Mapping[str, Any]] | None = None,
        defaults: TenantDefaultsArgs | Mapping[str, Any] | None = None,
        name_template: str | None = None,
        protect: bool | None = None,
        retain_on_delete: bool | None = None,
        native: bool = False,
        shard: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param name: The fleet's name: in messages and as the prefix of ``export()``'s stack outputs.
        :param tenants_file: A tenants file (YAML, or JSON with a .json suffix).
        :param tenants: The tenants, in code (instead of tenants_file).
        :param defaults: Defaults for tenants declared in code (a file has its own ``defaults``).
        :param name_template: The Depot project name template for tenants declared in code; default "{tenant}".
        :param protect: Fleet-wide protect; overrides the file's ``protect`` when given.
        :param retain_on_delete: Fleet-wide retain_on_delete; overrides the file's when given.
        :param native: Declare every tenant's resources with the native plugin's SDK (pulumi_depot_native, served
            by pulumi-resource-depot) instead of the dynamic one; see depot.TenantProject.
        :param shard: Declare only this shard's tenants (a tenants file only); default: the stack config
            ``pulumi-depot:fleet`` and the stack's name (`pulumi-depot fleet` sets it), else every tenant.
        :param opts: Further options for every TenantProject (e.g. a provider or parent).
        """
        source = f"depot.TenantFleet {name!r}"
        if not isinstance(name, str) or not name:
            raise TenantsFileError(source, [f"name: must be a non-empty string, not {kind(name)}"])
        flags = [
            f"{field}: must be True, False or None, not {kind(value)}"
            for field, value in (("protect", protect), ("retain_on_delete", retain_on_delete))
            if value is not None and not isinstance(value, bool)
        ]
        if opts is not None and not isinstance(opts, pulumi.ResourceOptions):
            flags.append(f"opts: must be a pulumi.ResourceOptions (or None), not {kind(opts)}")
        if not isinstance(native, bool):
            flags.append(f"native: must be True or False, not {kind(native)}")
        setting = pulumi.Config(SHARD_CONFIG_NAMESPACE).get_object(SHARD_CONFIG_NAME) if shard is None else None
        if setting is not None:
            shard, problem = shard_of_stack(setting, pulumi.get_stack())
            if problem:
                flags.append(f"shard: {problem}")
        if shard is not None and (problem := shard_name_problem(shard)):
            flags.append(f"shard: {problem}")
        elif shard is not None and tenants_file is None:
            flags.append(
                f"shard: {shard!r} is set (shard= or stack config pulumi-depot:fleet), but a fleet declared in "
                "code has no shards: use a tenants file"
            )
        if flags:
            raise TenantsFileError(source, flags)
        self.name = name
        self.shard = shard
        self.spec, whole = _fleet_spec(name, tenants_file, tenants, defaults, name_template, shard)
        if shard is not None and tenants_file is not None and whole:
            selected, unassigned = shard_tenants(self.spec, tenants_file, shard)
            if unassigned:
                pulumi.log.warn(
                    f"depot.TenantFleet {name!r}: {len(unassigned)} tenant(s) have no shard yet and are not deployed "
                    f"by shard {shard!r}: {', '.join(unassigned)}; `pulumi-depot fleet up` assigns and deploys them"
                )
            mine = set(selected)
            self.spec = self.spec.model_copy(update={"tenants": [t for t in self.spec.tenants if t.id in mine]})
        overrides = {
            key: value
            for key, value in (("protect", protect), ("retain_on_delete", retain_on_delete))
            if value is not None
        }
        if overrides:
            self.spec = self.spec.model_copy(update=overrides)
        fleet_options = pulumi.ResourceOptions(protect=self.spec.protect, retain_on_delete=self.spec.retain_on_delete)
        tenant_options = pulumi.ResourceOptions.merge(opts, fleet_options)
        self.tenants = {}
        for tenant in self.spec.resolved():
            self.tenants[tenant.id] = TenantProject(
                tenant_logical_name(tenant.id),
                tenant=tenant.id,
                project_name=tenant.project_name,
                region=tenant.region,
                cache_policy=tenant.cache_policy.model_dump(exclude_none=True) if tenant.cache_policy else None,
                hardware=tenant.hardware,
                trust_policies=[entry.declared() for entry in tenant.trust_policies],
                token=tenant.token,
                token_sink=tenant.token_sink,
                import_id=tenant.import_id,
                native=native,
                opts=tenant_options,
            )

    @property
    def project_ids(self) -> pulumi.Output[dict[str, str]]:
        """{tenant id: Depot project id}."""
        return _as_dict({tenant_id: tenant.project_id for tenant_id, tenant in self.tenants.items()})

    @property
    def token_secrets(self) -> pulumi.Output[dict[str, str]]:
        """{tenant id: token} for the tenants with a token, as one Pulumi secret.

        A token adopted by import_id has no secret to forward: if any tenant's token was adopted, resolving this
        fails the deployment with one line (AdoptedTokenSecretError) naming every such tenant and the fix, rather
        than handing on something that is not a token. Only made when read: a fleet whose tokens are never
        exported deploys adopted tokens as usual."""
        with_token = {tenant_id: tenant.token for tenant_id, tenant in self.tenants.items() if tenant.token is not None}
        if not with_token:
            return pulumi.Output.secret(pulumi.Output.from_input({}))

        def refusal(adopted: list[str]) -> Any:
            raise adopted_token_error(
                f"depot.TenantFleet {self.name!r}",
                adopted,
                stop="stop exporting the tokens (export fleet.project_ids instead of calling fleet.export())",
            )

        def forward(secrets: dict[str, Any]) -> dict[str, str]:
            adopted = [tenant_id for tenant_id in with_token if secrets[tenant_id] is ADOPTED]
            return refusal(adopted) if adopted else {tenant_id: secrets[tenant_id] for tenant_id in with_token}

        def check(flags: dict[str, bool]) -> Any:
            adopted = [tenant_id for tenant_id in with_token if flags[tenant_id]]
            if adopted:  # known even in a preview: the refusal fails the preview
                return refusal(adopted)
            tokens = {tenant_id: secret_or_adopted(token) for tenant_id, token in with_token.items()}
            return pulumi.Output.all(**tokens).apply(forward)

        flags = pulumi.Output.all(**{tenant_id: self.tenants[tenant_id]._token_adopted() for tenant_id in with_token})
        return pulumi.Output.secret(flags.apply(check))

    def export(self, project_ids: str | None = None, tokens: str | None = None) -> None:
        """Export ``project_ids`` (default ``<name>_project_ids``) and ``token_secrets`` (default ``<name>_tokens``,
        a secret: ``pulumi stack output <name>_tokens --show-secrets``) as stack outputs. A fleet with a token
        adopted by import_id fails here (see token_secrets): export ``project_ids`` alone instead, or rotate it."""
        pulumi.export(project_ids or f"{self.name}_project_ids", self.project_ids)
        pulumi.export(tokens or f"{self.name}_tokens", self.token_secrets)


def tenant_fleet_from_file(
    tenants_file: str | os.PathLike[str],
    name: str = "tenants",
    *,
    protect: bool | None = None,
    retain_on_delete: bool | None = None,
    native: bool = False,
    shard: str | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> TenantFleet:
    """``TenantFleet(name, tenants_file=tenants_file, ...)``."""
    return TenantFleet(
        name,
        tenants_file=tenants_file,
        protect=protect,
        retain_on_delete=retain_on_delete,
        native=native,
        shard=shard,
        opts=opts,
    )


def _fleet_spec(
    name: str,
    tenants_file: str | os.PathLike[str] | None,
    tenants: Sequence[TenantArgs | Mapping[str, Any]] | None,
    defaults: TenantDefaultsArgs | Mapping[str, Any] | None,
    name_template: str | None,
    shard: str | None,
) -> tuple[TenantsFile, bool]:
    """(the fleet, whether it is the whole tenants file): a sharded fleet run by `pulumi-depot fleet` reads only its
    shard's tenants, from the command's view of the file (pulumi_depot.fleet_views)."""
    source = f"depot.TenantFleet {name!r}"
    if (tenants_file is None) == (tenants is None):
        raise TenantsFileError(source, ["give exactly one of tenants_file= or tenants="])
    if tenants_file is not None and not isinstance(tenants_file, str | os.PathLike):
        raise TenantsFileError(source, [f"tenants_file: must be a path (str or os.PathLike), not {kind(tenants_file)}"])
    if tenants is not None and (not isinstance(tenants, Sequence) or isinstance(tenants, str | bytes)):
        raise TenantsFileError(source, [f"tenants: must be a list of TenantArgs or mappings, not {kind(tenants)}"])
    if tenants_file is not None:
        if defaults is not None or name_template is not None:
            raise TenantsFileError(
                source, ["defaults= and name_template= are for tenants in code: set them in the file"]
            )
        view = load_view(tenants_file, shard) if shard is not None else None
        return (view, False) if view is not None else (load_tenants_file(tenants_file), True)
    assert tenants is not None
    document: dict[str, Any] = {
        "tenants": [_plain(tenant, f"tenants[{index}]", source) for index, tenant in enumerate(tenants)]
    }
    if defaults is not None:
        document["defaults"] = _plain(defaults, "defaults", source)
    if name_template is not None:
        document["name_template"] = name_template
    return parse_tenants(document, source), True


class _NotPlain(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def _plain(value: Any, path: str, source: str) -> Any:
    """A tenant or defaults object as the tenants file would spell it (None-valued keys left out)."""
    try:
        return _plain_value(value, path)
    except _NotPlain as error:
        raise TenantsFileError(
            source,
            [
                f"{error.path}: an Output or awaitable; a fleet is validated before anything is registered, so give "
                "plain values (use depot.TenantProject directly for values computed by other resources)"
            ],
        ) from None


def _plain_value(value: Any, path: str) -> Any:
    if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        raise _NotPlain(path)
    if isinstance(value, TenantArgs | TenantDefaultsArgs):
        entries = {item.name: getattr(value, item.name) for item in fields(value)}
        if isinstance(value.trust_policies, list | tuple):  # anything else is reported by the tenants file's rule
            entries["trust_policies"] = [trust_entry(policy) for policy in value.trust_policies]
        return {key: _plain_value(item, f"{path}.{key}") for key, item in entries.items() if item is not None}
    if is_input_type(type(value)):
        return {key: _plain_value(item, f"{path}.{key}") for key, item in input_type_to_dict(value).items()}
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=True)
    if isinstance(value, Mapping):
        return {key: _plain_value(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_value(item, f"{path}[{index}]") for index, item in enumerate(value)]
    return value


def _as_dict(values: Mapping[str, pulumi.Output[str]]) -> pulumi.Output[dict[str, str]]:
    if not values:
        return pulumi.Output.from_input({})
    resolved: pulumi.Output[dict[str, str]] = pulumi.Output.all(**values)
    return resolved.apply(lambda found: {key: found[key] for key in values})  # declaration order
