"""The resources and invokes the provider serves, one entry each: both front ends and the importer loop over it.

Each resource: its core class (type token, models, CRUD, import by id), the path of the dynamic provider class that
users' state names (made by the dynamic front end, reached through the module's `__getattr__`) and whether the
native plugin serves it. Each invoke: its token, arguments model, look-up, and the check of its arguments that
needs no token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from pulumi_depot_provider.resources import project_lookup
from pulumi_depot_provider.resources.aws_secrets_manager_token import AwsSecretsManagerTokenResource
from pulumi_depot_provider.resources.aws_ssm_parameter_token import AwsSsmParameterTokenResource
from pulumi_depot_provider.resources.core import ResourceCore
from pulumi_depot_provider.resources.project import ProjectResource
from pulumi_depot_provider.resources.project_token import ProjectTokenResource
from pulumi_depot_provider.resources.session import Session
from pulumi_depot_provider.resources.trust_policy import TrustPolicyResource
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicySetResource
from pulumi_depot_provider.resources.values import DepotResourceError
from pulumi_depot_provider.tokens import PACKAGE, native_token

MODULES = "pulumi_depot_provider.resources"


@dataclass(frozen=True)
class Registered:
    core: type[ResourceCore[Any, Any, Any]]
    stored: str  # the dynamic provider class users' state names ("<module>.<class>"): never change it
    native: bool = True  # served by the native plugin too

    @property
    def native_token(self) -> str:
        return native_token(self.core.type_token)


RESOURCES: tuple[Registered, ...] = (
    Registered(ProjectResource, f"{MODULES}.project.ProjectProvider"),
    Registered(TrustPolicyResource, f"{MODULES}.trust_policy.TrustPolicyProvider"),
    Registered(ProjectTokenResource, f"{MODULES}.project_token.ProjectTokenProvider"),
    Registered(TrustPolicySetResource, f"{MODULES}.trust_policy_set.TrustPolicySetProvider"),
    Registered(
        AwsSecretsManagerTokenResource,
        f"{MODULES}.aws_secrets_manager_token.AwsSecretsManagerTokenProvider",
        native=False,
    ),
    Registered(
        AwsSsmParameterTokenResource, f"{MODULES}.aws_ssm_parameter_token.AwsSsmParameterTokenProvider", native=False
    ),
)
NATIVE_RESOURCES: dict[str, Registered] = {entry.native_token: entry for entry in RESOURCES if entry.native}
# What a read by id only (`pulumi import`, the `import` option, `Resource.get`) takes, per native token.
ID_FORMS = {token: entry.core.id_form for token, entry in NATIVE_RESOURCES.items()}


def by_stored_path(path: str) -> Registered | None:
    return next((entry for entry in RESOURCES if entry.stored == path), None)


def _no_precheck(args: Any) -> None:
    return None


@dataclass(frozen=True)
class Invoke:
    args_model: type[BaseModel]
    look_up: Callable[[Any, Any], BaseModel]  # (DepotClient, arguments) -> result
    precheck: Callable[[Any], None] = _no_precheck  # wrong arguments named even without a token

    def run(self, session: Session, token: str, args: BaseModel) -> BaseModel:
        """The look-up with the session's client. Raises LookupFailed, or DepotResourceError without a token."""
        self.precheck(args)
        problem = session.configuration_problem()
        if problem:
            raise DepotResourceError(f"{token}: {problem}")
        return self.look_up(session.client(), args)


FUNCTIONS: dict[str, Invoke] = {
    f"{PACKAGE}:index:getProject": Invoke(
        project_lookup.GetProjectArgs, project_lookup.get_project, project_lookup.require_one_of
    ),
    f"{PACKAGE}:index:listProjects": Invoke(project_lookup.ListProjectsArgs, project_lookup.list_projects),
}
