"""depot.TenantProject: one customer's isolated Depot project, its trust policies and (optionally) its token.

Depot's advice for building untrusted customer code is one project per customer: each project is its own cache.
A TenantProject is a Pulumi component that owns, as children named after it::

    <name>          depot.Project         the tenant's project, named by name_template (default "{tenant}")
    <name>-trust    depot.TrustPolicySet  exactly the declared trust policies (none declared, or ``[]``: none
                                          allowed, and every trust policy of the project is removed)
    <name>-token    depot.ProjectToken    only when token= is set
    <name>-token-secret     depot.AwsSecretsManagerToken  only when token_sink= names aws_secrets_manager
    <name>-token-parameter  depot.AwsSsmParameterToken    only when token_sink= names aws_ssm_parameter

``native=True`` declares the children with the native plugin's SDK (``pulumi_depot_native``: types
``depot:index:Project`` ... served by pulumi-resource-depot) instead of the dynamic one; the children, their names
and this component's checks are the same. A stack keeps one choice: switching changes every child's type, which
the engine treats as different resources. The token sinks stay dynamic resources either way.

Outputs: ``project_id`` and ``token_secret`` (a Pulumi secret; None without a token). A token adopted by import_id
has no secret Pulumi could forward: reading its ``token_secret`` fails the deployment with one line (see
TenantProject.token_secret) instead of handing on something that is not a token. The project name is checked
(template fields, length, characters) before anything is registered. ``protect`` given in opts is inherited by
the children (Pulumi's rule); ``retain_on_delete`` in opts is passed on to them as well. Every argument is checked
first as well, by a tenants file's rules (``tenant_problems``: TenantSpec, whose cache_policy is the depot:Project
resource's CachePolicy) once input types are read as mappings; an Output is checked when known. A plain value
that breaks them (a bool for a number, ``""`` or ``{}`` for the trust list, an unknown region, an empty
``import_id``, a control character in a slug or description) raises TenantsFileError (a pulumi.RunError) naming
the argument as the file's message names the key, with the value ``repr``-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi_depot_provider.resources.project import CachePolicy
from pydantic import ValidationError

from pulumi_depot._checks import (
    is_computed,
    kind,
    plain_tree,
)
from pulumi_depot._inputs import (
    BuildkiteTrustArgs,
    CachePolicyArgs,
    CircleCITrustArgs,
    GitHubTrustArgs,
    TrustPolicyEntryArgs,
)
from pulumi_depot._tokens import ADOPTED, AdoptedTokenSecretError, known_adopted, secret_or_adopted
from pulumi_depot._trust_entries import PolicyLike, trust_entry
from pulumi_depot.project import Project
from pulumi_depot.project_token import ProjectToken
from pulumi_depot.tenants_file import (
    DEFAULT_TEMPLATE,
    UNKNOWN,
    TenantsFileError,
    TokenSpec,
    project_name_problem,
    template_problem,
    tenant_id_problem,
    tenant_problems,
)
from pulumi_depot.token_sink import TokenSinkSpec, declare_token_sinks, filled_sinks, sink_settings
from pulumi_depot.trust_policy_set import TrustPolicySet

__all__ = ["TenantProject", "TenantTokenArgs", "TenantTokenSinkArgs", "tenant_project_name"]

COMPONENT_TYPE = "depot:index:TenantProject"


def depot_resources(native: bool, subject: str) -> tuple[Any, Any, Any]:
    """The Project, TrustPolicySet and ProjectToken classes of the chosen SDK: the dynamic one (this package) or,
    with ``native``, the native plugin's (pulumi_depot_native, a separate distribution)."""
    if not native:
        return Project, TrustPolicySet, ProjectToken
    try:
        import pulumi_depot_native as sdk
    except ImportError:
        raise TenantsFileError(
            subject, ["native: the native SDK is not installed; pip install pulumi-depot-native (its plugin too)"]
        ) from None
    return sdk.Project, sdk.TrustPolicySet, sdk.ProjectToken


TenantTokenArgs = TokenSpec
"""A tenant's project token: ``description`` (default ``builds of tenant <id>``), ``rotation_trigger`` (change it to
replace the token) and ``import_id`` (adopt an existing token; Depot cannot show its secret again, so the tenant's
``token_secret`` refuses to forward it)."""

TokenLike = bool | TokenSpec | Mapping[str, Any] | None

TenantTokenSinkArgs = TokenSinkSpec
"""Where a tenant's token is delivered: ``aws_secrets_manager`` and/or ``aws_ssm_parameter`` (see
pulumi_depot.token_sink; ``{tenant}`` in a name is the tenant id)."""

TokenSinkLike = TokenSinkSpec | Mapping[str, Any] | bool | None


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


def _unknowns(value: Any) -> Any:
    """A plain tree with every Output as the tenants file's UNKNOWN."""
    if is_computed(value):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {key: _unknowns(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unknowns(item) for item in value]
    return value


def _as_file_keys(tenant: str, arguments: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The arguments as a tenants file's keys (plain values: input types as mappings, Outputs as UNKNOWN), and the
    problems of what only code can pass: a value of none of the accepted Python types."""
    problems: list[str] = []
    keys: dict[str, Any] = {"id": tenant}
    if arguments["region"] is None:
        problems.append("region: required: us-east-1 or eu-central-1")
    for field in ("region", "hardware", "import_id"):
        if arguments[field] is not None:
            keys[field] = arguments[field]
    cache_policy = arguments["cache_policy"]
    if cache_policy is not None and not isinstance(cache_policy, CachePolicyArgs | Mapping | pulumi.Output):
        problems.append(
            f"cache_policy: must be a CachePolicyArgs or a mapping of {', '.join(CachePolicy.model_fields)}, "
            f"not {kind(cache_policy)}"
        )
    elif cache_policy is not None:
        keys["cache_policy"] = cache_policy
    trust_policies = arguments["trust_policies"]
    if not isinstance(trust_policies, list | tuple):
        problems.append(
            f"trust_policies: must be a list of trust policy entries, not {kind(trust_policies)}; "
            "[] (explicitly) means the tenant trusts no CI pipeline"
        )
    else:
        entries = []
        for index, policy in enumerate(trust_policies):
            if isinstance(policy, _POLICY_TYPES) or is_computed(policy):
                entries.append(trust_entry(policy))
                continue
            problems.append(
                f"trust_policies[{index}]: must be a GitHubTrustArgs, BuildkiteTrustArgs, CircleCITrustArgs, "
                f"TrustPolicyEntryArgs or a mapping such as {{'github': {{...}}}}, not {kind(policy)}"
            )
            entries.append(UNKNOWN)  # keeps the positions of the others; its own problem is said
        keys["trust_policies"] = entries
    token = arguments["token"]
    if not (token is None or isinstance(token, bool | TokenSpec | Mapping)):
        problems.append(f"token: must be True, False, None, a TenantTokenArgs or a mapping, not {kind(token)}")
    elif token is not None:
        keys["token"] = token.model_dump(exclude_none=True) if isinstance(token, TokenSpec) else token
    return _unknowns(plain_tree(keys)), problems


def _argument_problems(name: Any, tenant: str, arguments: Mapping[str, Any], opts: Any) -> list[str]:
    """Every problem of the arguments: the plain values by the tenants file's rules (tenant_problems)."""
    problems = []
    if not isinstance(name, str) or not name:
        problems.append(f"name: the resource name must be a non-empty string, not {kind(name)}")
    keys, type_problems = _as_file_keys(tenant, arguments)
    problems += type_problems + tenant_problems(keys)
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


def _token_sink_settings(tenant: str, token_sink: Any, token: Any) -> tuple[TokenSinkSpec | None, list[str]]:
    """The tenant's token sink (None: none) and the problems of the token_sink argument."""
    try:
        sink = sink_settings(token_sink)
    except TypeError:
        return None, [f"token_sink: must be a TenantTokenSinkArgs, a mapping, False or None, not {kind(token_sink)}"]
    except ValidationError as error:
        return None, [
            f"token_sink.{'.'.join(map(str, e['loc']))}: {e['msg']}".replace(".:", ":") for e in error.errors()
        ]
    if sink is None:
        return None, []
    if token is None or token is False:
        return None, ["token_sink: there is no token to deliver; set token= as well"]
    return sink, filled_sinks(sink, tenant)[1]


class TenantProject(pulumi.ComponentResource):
    """One customer's Depot project with exactly the declared trust policies and optionally a token.

    Example::

        acme = depot.TenantProject("tenant-acme", tenant="acme", region="us-east-1",
                                   name_template="tenant-{tenant}",
                                   trust_policies=[depot.TrustPolicyEntryArgs(
                                       github=depot.GitHubTrustArgs(repository_owner="acme", repository="app"))],
                                   token=True)
        pulumi.export("acme_project", acme.project_id)
        pulumi.export("acme_token", acme.token_secret)   # a secret
    """

    project: Project
    """The tenant's depot.Project (child ``<name>``; the native SDK's with native=True, as below)."""
    trust: TrustPolicySet
    """The tenant's depot.TrustPolicySet (child ``<name>-trust``)."""
    token: ProjectToken | None
    """The tenant's depot.ProjectToken (child ``<name>-token``), if declared."""
    token_sinks: dict[str, Any]
    """The token's sinks by store (``aws_secrets_manager``, ``aws_ssm_parameter``), if token_sink is declared."""
    project_id: pulumi.Output[str]
    """The tenant project's Depot id."""
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
        token_sink: TokenSinkLike = None,
        name_template: str = DEFAULT_TEMPLATE,
        project_name: str | None = None,
        import_id: pulumi.Input[str] | None = None,
        native: bool = False,
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
        :param token_sink: Deliver the token to AWS: a TenantTokenSinkArgs or mapping with ``aws_secrets_manager``
            and/or ``aws_ssm_parameter`` (pulumi_depot.token_sink); needs token=.
        :param name_template: The Depot project name with ``{tenant}`` in it; default ``"{tenant}"``.
        :param project_name: An explicit Depot project name (overrides name_template).
        :param import_id: Adopt the existing project with this id instead of creating one.
        :param native: Declare the children with the native plugin's SDK (pulumi_depot_native); default dynamic.
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
        problems = _argument_problems(name, tenant, arguments, opts)
        sink, sink_problems = _token_sink_settings(tenant, token_sink, token)
        problems += sink_problems
        if not isinstance(native, bool):
            problems.append(f"native: must be True or False, not {kind(native)}")
        if problems:
            raise TenantsFileError(f"depot.TenantProject for tenant {tenant!r}", problems)
        project_class, trust_class, token_class = depot_resources(native, f"depot.TenantProject for tenant {tenant!r}")
        self.tenant = tenant
        settings = _token_settings(tenant, token)
        super().__init__(COMPONENT_TYPE, name, None, opts)

        child = pulumi.ResourceOptions(parent=self, retain_on_delete=opts.retain_on_delete if opts else None)
        self.project = project_class(
            name,
            name=self.project_name,
            region=region,
            # Plain mappings (the schema's wire names are these snake_case keys) suit either SDK.
            cache_policy=plain_tree(cache_policy),
            hardware=hardware,
            import_id=import_id,
            opts=child,
        )
        self.project_id = self.project.id
        self.trust = trust_class(
            f"{name}-trust",
            project_id=self.project.id,
            policies=[plain_tree(trust_entry(policy)) for policy in trust_policies],
            opts=child,
        )
        self.token = None
        self._token_secret: pulumi.Output[str] | None = None
        self._token_adopting = settings is not None and settings.import_id is not None
        if settings is not None:
            self.token = token_class(
                f"{name}-token",
                project_id=self.project.id,
                description=settings.description or f"builds of tenant {tenant}",
                rotation_trigger=settings.rotation_trigger,
                import_id=settings.import_id,
                opts=child,
            )
        self.token_sinks = {}
        if sink is not None and self.token is not None:
            self.token_sinks = dict(declare_token_sinks(name, tenant, sink, self.token, child))
        outputs: dict[str, Any] = {"project_id": self.project_id}
        if self.token is not None:
            # The component's own record, not a forwarding: an adopted token's is absent (None), not refused.
            outputs["token_secret"] = pulumi.Output.secret(self.token.secret)
        self.register_outputs(outputs)

    @property
    def token_secret(self) -> pulumi.Output[str] | None:
        """The token (a Pulumi secret), or None when the tenant has no token.

        For a token adopted by import_id (``token.secret_known`` False, or import_id declared while the token is
        being adopted) there is no secret to forward: resolving this Output fails the deployment with one line
        (AdoptedTokenSecretError) naming the tenant and the fix, rather than handing on something that is not a
        token, e.g. to be stored as the tenant's DEPOT_TOKEN. The Output is made when this property is first read,
        so a program that never reads it deploys an adopted token as usual."""
        if self.token is None:
            return None
        if self._token_secret is None:
            refusal = adopted_token_error(
                f"depot.TenantProject for tenant {self.tenant!r}", stop="stop exporting token_secret"
            )
            token = self.token

            def forward(adopted: bool) -> Any:
                if adopted:  # known even in a preview: the refusal fails the preview
                    _refuse(refusal)
                return secret_or_adopted(token).apply(lambda secret: _refuse(refusal) if secret is ADOPTED else secret)

            self._token_secret = pulumi.Output.secret(self._token_adopted().apply(forward))
        return self._token_secret

    def _token_adopted(self) -> pulumi.Output[bool]:
        """Whether the tenant's token is known to be adopted (see project_token.known_adopted); for TenantFleet."""
        assert self.token is not None
        return known_adopted(self.token, adopting=self._token_adopting)


def adopted_token_error(
    subject: str, tenants: Sequence[str] | None = None, *, stop: str = "stop exporting it"
) -> AdoptedTokenSecretError:
    """The one-line refusal to forward an adopted token's secret: the subject's own token, or those of ``tenants``."""
    if tenants is None:
        which = "its token was adopted by import_id, so its secret cannot be read back"
        fix = "remove the token's import_id and set its rotation_trigger, which replaces it with a new token"
    elif len(tenants) == 1:
        which = f"the token of tenant {tenants[0]!r} was adopted by import_id, so its secret cannot be read back"
        fix = "remove its token.import_id and set its token.rotation_trigger, which replaces it with a new token"
    else:
        names = ", ".join(map(repr, tenants))
        which = f"the tokens of tenants {names} were adopted by import_id, so their secrets cannot be read back"
        fix = "remove their token.import_id and set their token.rotation_trigger, which replaces each with a new token"
    return AdoptedTokenSecretError(
        f"{subject}: refusing to forward the token secret: {which} (Depot shows a token's secret only when it is "
        f"created); to get a token whose secret Pulumi keeps, {fix}; or {stop}"
    )


def _refuse(error: AdoptedTokenSecretError) -> Any:
    raise error
