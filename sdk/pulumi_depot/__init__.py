"""pulumi-depot: Pulumi resources for Depot (depot.dev). Use as ``import pulumi_depot as depot``.

Resources: ``Project``, ``TrustPolicy``, ``ProjectToken``, ``TrustPolicySet`` (every trust policy of a project);
``AwsSecretsManagerToken`` and ``AwsSsmParameterToken`` deliver a token to AWS (extra ``pulumi-depot[aws]``).
Per-customer projects: ``TenantProject`` (a component) and ``TenantFleet`` / ``tenant_fleet_from_file`` (many
tenants from code or a tenants file; see ``pulumi_depot.fleet`` and ``pulumi_depot.tenants_file``).
Lookups: ``get_project``, ``list_projects`` and their Output forms ``get_project_output``, ``list_projects_output``.
Configuration: stack config ``depot:token`` (secret) and ``depot:apiUrl``, or DEPOT_TOKEN / DEPOT_API_URL;
``depot:allowedTrust`` limits which CI pipelines trust policies may grant (``pulumi_depot_provider.guardrail``).
"""

from pulumi_depot import _inputs, _outputs, _serialization
from pulumi_depot._claims import TrustOwnershipError
from pulumi_depot._inputs import *  # noqa: F403  the generated types (each trust kind's too), as Pulumi's SDKs export them
from pulumi_depot._outputs import *  # noqa: F403
from pulumi_depot.aws_secrets_manager_token import AwsSecretsManagerToken
from pulumi_depot.aws_ssm_parameter_token import AwsSsmParameterToken
from pulumi_depot.fleet import TenantArgs, TenantDefaultsArgs, TenantFleet, tenant_fleet_from_file, tenant_logical_name
from pulumi_depot.lookups import (
    DepotLookupError,
    ProjectCachePolicy,
    ProjectInfo,
    get_project,
    get_project_output,
    list_projects,
    list_projects_output,
)
from pulumi_depot.project import Project
from pulumi_depot.project_token import ProjectToken
from pulumi_depot.tenant import TenantProject, TenantTokenArgs, TenantTokenSinkArgs, tenant_project_name
from pulumi_depot.tenants_file import TenantsFile, TenantsFileError, load_tenants_file, parse_tenants
from pulumi_depot.token_sink import AwsSecretsManagerSinkSpec as AwsSecretsManagerSinkArgs
from pulumi_depot.token_sink import AwsSsmParameterSinkSpec as AwsSsmParameterSinkArgs
from pulumi_depot.trust_policy import TrustPolicy
from pulumi_depot.trust_policy_set import TrustPolicySet

_serialization.install()  # more than ~980 dynamic resources per program: see _serialization

__all__ = [
    "AwsSecretsManagerSinkArgs",
    "AwsSecretsManagerToken",
    "AwsSsmParameterSinkArgs",
    "AwsSsmParameterToken",
    "DepotLookupError",
    "Project",
    "ProjectCachePolicy",
    "ProjectInfo",
    "ProjectToken",
    "TenantArgs",
    "TenantDefaultsArgs",
    "TenantFleet",
    "TenantProject",
    "TenantTokenArgs",
    "TenantTokenSinkArgs",
    "TenantsFile",
    "TenantsFileError",
    "TrustOwnershipError",
    "TrustPolicy",
    "TrustPolicySet",
    "get_project",
    "get_project_output",
    "list_projects",
    "list_projects_output",
    "load_tenants_file",
    "parse_tenants",
    "tenant_fleet_from_file",
    "tenant_logical_name",
    "tenant_project_name",
]
__all__ += _inputs.__all__
__all__ += _outputs.__all__
