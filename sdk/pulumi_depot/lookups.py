"""Read Depot projects from a program without managing them: get_project and list_projects.

These call Depot's API directly while the program runs, with the stack config `depot:token` / `depot:apiUrl`
(or DEPOT_TOKEN / DEPOT_API_URL), and return plain values.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_depot_provider.client import DepotClient, DepotError, NotFound
from pulumi_depot_provider.config import ConfigurationError, DepotSettings, client_for
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.project import effective_policy, hardware_name
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DepotLookupError", "ProjectCachePolicy", "ProjectInfo", "get_project", "list_projects"]


class DepotLookupError(pulumi.RunError):
    """A lookup failed; the message says what was looked up and why it failed. A pulumi.RunError, so Pulumi
    reports it as that one message, without a Python traceback."""


class ProjectCachePolicy(BaseModel):
    """A project's effective cache policy."""

    model_config = ConfigDict(frozen=True)

    keep_gb: int = Field(description="Cache size limit in GB.")
    keep_days: int = Field(description="Days to keep cache entries; 0 means no time limit.")


class ProjectInfo(BaseModel):
    """A Depot project as Depot has it."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="The project id.")
    name: str = Field(description="The project's name.")
    region: str = Field(description="Where builds run.")
    organization_id: str = Field(description="The organization that owns the project.")
    created_at: str = Field(description="When Depot created the project (RFC 3339).")
    cache_policy: ProjectCachePolicy = Field(description="The effective cache policy.")
    hardware: str = Field(description="The builder Hardware name.")

    @classmethod
    def from_message(cls, project: pb.Project) -> ProjectInfo:
        policy = effective_policy(project.cache_policy)
        return cls(
            id=project.project_id,
            name=project.name,
            region=project.region_id,
            organization_id=project.organization_id,
            created_at=project.created_at.ToJsonString(),
            cache_policy=ProjectCachePolicy(keep_gb=policy.keep_gb, keep_days=policy.keep_days),
            hardware=hardware_name(project.hardware),
        )


def get_project(*, id: str | None = None, name: str | None = None) -> ProjectInfo:
    """The project with this id, or the one project with this name.

    :raises DepotLookupError: no such project, several projects with that name (the message lists their ids),
        no token configured, or Depot answered with an error.
    """
    if (id is None) == (name is None):
        raise DepotLookupError("get_project: give exactly one of id= or name=")
    client = _client("get_project")
    try:
        if id is not None:
            try:
                return ProjectInfo.from_message(client.get_project(id))
            except NotFound:
                raise DepotLookupError(
                    f"get_project: no Depot project with id {id!r} in the token's organization"
                ) from None
        named = [p for p in client.list_projects() if p.name == name]
    except DepotError as error:
        raise DepotLookupError(f"get_project: Depot answered {error.code.value}: {error.message}") from None
    if not named:
        raise DepotLookupError(f"get_project: no Depot project is named {name!r} in the token's organization")
    if len(named) > 1:
        ids = ", ".join(p.project_id for p in named)
        raise DepotLookupError(
            f"get_project: {len(named)} Depot projects are named {name!r} (ids: {ids}); look it up by id instead"
        )
    return ProjectInfo.from_message(named[0])


def list_projects(*, region: str | None = None) -> list[ProjectInfo]:
    """Every project the token's organization has (in one region if ``region`` is given).

    :raises DepotLookupError: no token configured, or Depot answered with an error.
    """
    client = _client("list_projects")
    try:
        projects = client.list_projects()
    except DepotError as error:
        raise DepotLookupError(f"list_projects: Depot answered {error.code.value}: {error.message}") from None
    return [ProjectInfo.from_message(p) for p in projects if region is None or p.region_id == region]


class _StackConfig:
    """`depot:*` stack config as the provider's configure sees it."""

    def __init__(self) -> None:
        self._config = pulumi.Config("depot")

    def get(self, key: str) -> str | None:
        return self._config.get(key.removeprefix("depot:"))


def _client(what: str, environ: Mapping[str, str] | None = None) -> DepotClient:
    try:
        return client_for(DepotSettings.resolve(_StackConfig(), environ))
    except ConfigurationError as error:
        raise DepotLookupError(f"{what}: {error}") from None
