"""depot.TenantProject: one customer's isolated Depot project, its trust policies and (optionally) its token.

Depot's advice for building untrusted customer code is one project per customer: each project is its own cache.
A TenantProject is a Pulumi component that owns, as children named after it::

    <name>          depot.Project         the tenant's project, named by name_template (default "{tenant}")
    <name>-trust    depot.TrustPolicySet  exactly the declared trust policies (none declared, or ``[]``: none
                                          allowed, and every trust policy of the project is removed)
    <name>-token    depot.ProjectToken    only when token= is set

Outputs: ``project_id`` and ``token_secret`` (a Pulumi secret; None without a token). The project name is checked
(template fields, length, characters) before anything is registered. ``protect`` given in opts is inherited by
the children (Pulumi's rule); ``retain_on_delete`` in opts is passed on to them as well. Every argument is checked
first as well: a plain value of the wrong type (a bool for a number, ``""`` or ``{}`` for the trust list, a
non-string name), an empty ``region`` / ``hardware`` / ``import_id``, or a control character in a name, slug or
description raises TenantsFileError (a pulumi.RunError) naming the argument, with the value ``repr``-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi._types import input_type_to_dict, is_input_type
from pydantic import ValidationError

from pulumi_depot._checks import control_problems, is_computed, kind, text_problem
from pulumi_depot._inputs import BuildkiteTrustArgs, CachePolicyArgs, CircleCITrustArgs, GitHubTrustArgs
from pulumi_depot.project import Project
from pulumi_depot.project_token import ProjectToken
from pulumi_depot.tenants_file import (
    DEFAULT_TEMPLATE,
    TenantsFileError,
    TokenSpec,
    project_name_problem,
    template_problem,
    tenant_id_problem,
)
from pulumi_depot.trust_policy_set import PolicyLike, TrustPolicyEntryArgs, TrustPolicySet, trust_entry

__all__ = ["TenantProject", "TenantTokenArgs", "tenant_project_name"]

COMPONENT_TYPE = "depot:index:TenantProject"


TenantTokenArgs = TokenSpec
"""A tenant's project token: ``description`` (default ``builds of tenant <id>``), ``rotation_trigger`` (change it to
replace the token) and ``import_id`` (adopt an existing token; Depot cannot show its secret again)."""

TokenLike = bool | TokenSpec | Mapping[str, Any] | None


def tenant_project_name(tenant: str, name_template: str = DEFAULT_TEMPLATE, project_name: str | None = None) -> str:
    """The Depot project name of ``tenant``: ``project_name`` if given, else the template filled in. Raises
    TenantsFileError naming the tenant when the id, template or name cannot be used."""
    problems = []
    id_problem = tenant_id_problem(tenant)
    if id_problem:
        problems.append(f"tenant: {id_problem}")
    if project_name is not None and not isinstance(project_name, str):
        problems.append(f"project_name: must be a string (or None), not {kind(project_name)}")
    elif project_name is None and not isinstance(name_template, str):
        problems.append(f"name_template: must be a string, not {kind(name_template)}")
    elif project_name is not None:
        name_problem = project_name_problem(project_name, templated=False)
        if name_problem:
            problems.append(f"project_name: {name_problem}")
    else:
        problem = template_problem(name_template)
        if problem:
            problems.append(f"name_template: {problem}")
        else:
            project_name = name_template.format(tenant=tenant)
            name_problem = project_name_problem(project_name, templated=True)
            if name_problem:
                problems.append(f"name_template: {name_problem}")
    if problems:
        raise TenantsFileError(f"depot.TenantProject for tenant {tenant!r}", problems)
    assert project_name is not None
    return project_name


_POLICY_TYPES = (TrustPolicyEntryArgs, GitHubTrustArgs, BuildkiteTrustArgs, CircleCITrustArgs, Mapping)
_CACHE_KEYS = ("keep_gb", "keep_days", "keep_bytes")


def _text_argument(field: str, value: Any, *, optional: bool) -> list[str]:
    """A string argument (or an Output of one): a plain value must be a non-blank string without control
    characters."""
    if (value is None and optional) or is_computed(value):
        return []
    if not isinstance(value, str):
        return [f"{field}: must be a string{' (or None)' if optional else ''}, not {kind(value)}"]
    if not value.strip():
        return [f"{field}: must not be empty or blank{'; leave it out instead' if optional else ''}"]
    problem = text_problem(value)
    return [f"{field}: {problem}"] if problem else []


def _cache_policy_problems(cache_policy: Any) -> list[str]:
    if cache_policy is None or is_computed(cache_policy):
        return []
    if isinstance(cache_policy, CachePolicyArgs):
        values: Mapping[Any, Any] = {key: getattr(cache_policy, key) for key in _CACHE_KEYS}
    elif isinstance(cache_policy, Mapping):
        values = cache_policy
    else:
        return [
            f"cache_policy: must be a CachePolicyArgs or a mapping of keep_gb / keep_days, not {kind(cache_policy)}"
        ]
    problems = []
    for key, value in values.items():
        if key not in _CACHE_KEYS:
            problems.append(f"cache_policy: unknown key {key!r}; allowed: keep_gb, keep_days")
        elif value is not None and not is_computed(value) and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(f"cache_policy.{key}: must be a whole number, not {kind(value)}")
    return problems


def _trust_problems(trust_policies: Any) -> list[str]:
    if not isinstance(trust_policies, list | tuple):
        return [
            f"trust_policies: must be a list of trust policy entries, not {kind(trust_policies)}; "
            "[] (explicitly) means the tenant trusts no CI pipeline"
        ]
    problems = []
    for index, policy in enumerate(trust_policies):
        if is_computed(policy):
            continue
        if not isinstance(policy, _POLICY_TYPES):
            problems.append(
                f"trust_policies[{index}]: must be a GitHubTrustArgs, BuildkiteTrustArgs, CircleCITrustArgs, "
                f"TrustPolicyEntryArgs or a mapping such as {{'github': {{...}}}}, not {kind(policy)}"
            )
            continue
        problems += control_problems(_plain_tree(trust_entry(policy)), f"trust_policies[{index}]")
    return problems


def _plain_tree(value: Any) -> Any:
    """Input types as mappings, down to the plain values (Outputs left as they are: they cannot be checked)."""
    if is_input_type(type(value)):
        return {key: _plain_tree(item) for key, item in input_type_to_dict(value).items()}
    if isinstance(value, Mapping):
        return {key: _plain_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_tree(item) for item in value]
    return value


def _argument_problems(name: Any, arguments: Mapping[str, Any], opts: Any) -> list[str]:
    problems = []
    if not isinstance(name, str) or not name:
        problems.append(f"name: the resource name must be a non-empty string, not {kind(name)}")
    problems += _text_argument("region", arguments["region"], optional=False)
    problems += _text_argument("hardware", arguments["hardware"], optional=True)
    problems += _text_argument("import_id", arguments["import_id"], optional=True)
    problems += _cache_policy_problems(arguments["cache_policy"])
    problems += _trust_problems(arguments["trust_policies"])
    token = arguments["token"]
    if not (token is None or isinstance(token, bool | TokenSpec | Mapping)):
        problems.append(f"token: must be True, False, None, a TenantTokenArgs or a mapping, not {kind(token)}")
    elif isinstance(token, TokenSpec | Mapping):
        settings = token.model_dump(exclude_none=True) if isinstance(token, TokenSpec) else token
        problems += control_problems(settings, "token", frozenset({"rotation_trigger"}))
    if opts is not None and not isinstance(opts, pulumi.ResourceOptions):
        problems.append(f"opts: must be a pulumi.ResourceOptions (or None), not {kind(opts)}")
    return problems


def _token_settings(tenant: str, token: TokenLike) -> TokenSpec | None:
    if token is None or token is False:
        return None
    if token is True:
        return TokenSpec()
    if isinstance(token, TokenSpec):
        return token
    try:
        return TokenSpec.model_validate(token)
    except ValidationError as error:
        problems = [f"token.{'.'.join(map(str, e['loc']))}: {e['msg']}".replace(".:", ":") for e in error.errors()]
        raise TenantsFileError(f"depot.TenantProject for tenant {tenant!r}", problems) from None


class TenantProject(pulumi.ComponentResource):
    """One customer's Depot project with exactly the declared trust policies and optionally a token.

    Example::

        acme = depot.TenantProject("tenant-acme", tenant="acme", region="us-east-1",
                                   name_template="tenant-{tenant}",
                                   trust_policies=[depot.GitHubTrustArgs(repository_owner="acme", repository="app")],
                                   token=True)
        pulumi.export("acme_project", acme.project_id)
        pulumi.export("acme_token", acme.token_secret)   # a secret
    """

    project: Project
    """The tenant's depot.Project (child ``<name>``)."""
    trust: TrustPolicySet
    """The tenant's depot.TrustPolicySet (child ``<name>-trust``)."""
    token: ProjectToken | None
    """The tenant's depot.ProjectToken (child ``<name>-token``), if declared."""
    project_id: pulumi.Output[str]
    """The tenant project's Depot id."""
    token_secret: pulumi.Output[str] | None
    """The token (a Pulumi secret), or None when the tenant has no token."""
    tenant: str
    """The tenant id."""
    project_name: str
    """The Depot project name (from the template, or project_name)."""

    def __init__(
        self,
        name: str,
        *,
        tenant: str,
        region: pulumi.Input[str],
        cache_policy: pulumi.Input[CachePolicyArgs] | Mapping[str, Any] | None = None,
        hardware: pulumi.Input[str] | None = None,
        trust_policies: Sequence[PolicyLike] = (),
        token: TokenLike = None,
        name_template: str = DEFAULT_TEMPLATE,
        project_name: str | None = None,
        import_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param name: The component's logical name; children are ``name``, ``name-trust`` and ``name-token``.
        :param tenant: The tenant id: 1 to 40 lowercase letters, digits or '-'.
        :param region: us-east-1 or eu-central-1.
        :param cache_policy: Cache limits (CachePolicyArgs or ``{"keep_gb": .., "keep_days": ..}``); omitted:
            Depot's defaults.
        :param hardware: Builder size, one of Depot's Hardware names; omitted: Depot's.
        :param trust_policies: Every trust policy of the project (a list of entries as for TrustPolicySet). The set
            is authoritative: omitted or an explicit ``[]`` means this tenant trusts no CI pipeline, and every
            trust policy of the project is removed. Anything but a list or tuple (``""``, ``{}``, one entry
            without a list) is an error, so that a typo cannot remove them all.
        :param token: True for a token with the default description, a TenantTokenArgs (or mapping with
            description / rotation_trigger / import_id), or None/False for no token.
        :param name_template: The Depot project name with ``{tenant}`` in it; default ``"{tenant}"``.
        :param project_name: An explicit Depot project name (overrides name_template).
        :param import_id: Adopt the existing project with this id instead of creating one.
        :param opts: Options of the component; protect and retain_on_delete apply to its children too.
        """
        self.project_name = tenant_project_name(tenant, name_template, project_name)
        arguments = {
            "region": region,
            "hardware": hardware,
            "import_id": import_id,
            "cache_policy": cache_policy,
            "trust_policies": trust_policies,
            "token": token,
        }
        problems = _argument_problems(name, arguments, opts)
        if problems:
            raise TenantsFileError(f"depot.TenantProject for tenant {tenant!r}", problems)
        self.tenant = tenant
        settings = _token_settings(tenant, token)
        super().__init__(COMPONENT_TYPE, name, None, opts)

        child = pulumi.ResourceOptions(parent=self, retain_on_delete=opts.retain_on_delete if opts else None)
        self.project = Project(
            name,
            name=self.project_name,
            region=region,
            cache_policy=cache_policy,  # type: ignore[arg-type]  # a mapping is a valid input value
            hardware=hardware,
            import_id=import_id,
            opts=child,
        )
        self.project_id = self.project.id
        self.trust = TrustPolicySet(
            f"{name}-trust",
            project_id=self.project.id,
            policies=list(trust_policies),  # type: ignore[arg-type]  # the set accepts every PolicyLike spelling
            opts=child,
        )
        self.token = None
        self.token_secret = None
        if settings is not None:
            self.token = ProjectToken(
                f"{name}-token",
                project_id=self.project.id,
                description=settings.description or f"builds of tenant {tenant}",
                rotation_trigger=settings.rotation_trigger,
                import_id=settings.import_id,
                opts=child,
            )
            self.token_secret = pulumi.Output.secret(self.token.secret)
        outputs: dict[str, Any] = {"project_id": self.project_id}
        if self.token_secret is not None:
            outputs["token_secret"] = self.token_secret
        self.register_outputs(outputs)
