"""Read Depot projects from a program without managing them: get_project and list_projects, and their Output
forms get_project_output and list_projects_output.

These call Depot's API directly while the program runs, with the stack config `depot:token` / `depot:apiUrl`
(or DEPOT_TOKEN / DEPOT_API_URL), and return plain values; the *_output forms take Inputs and return an Output.
The look-ups themselves are pulumi_depot_provider.resources.project_lookup, which the native plugin's invokes
(depot:index:getProject, depot:index:listProjects) run too.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.config import ConfigurationError, DepotSettings, new_client
from pulumi_depot_provider.resources import project_lookup
from pulumi_depot_provider.resources.project_lookup import (
    GetProjectArgs,
    ListProjectsArgs,
    LookupFailed,
    ProjectCachePolicy,
    ProjectInfo,
)

__all__ = [
    "DepotLookupError",
    "ProjectCachePolicy",
    "ProjectInfo",
    "get_project",
    "get_project_output",
    "list_projects",
    "list_projects_output",
]


class DepotLookupError(pulumi.RunError):
    """A lookup failed; the message says what was looked up and why it failed. A pulumi.RunError, so Pulumi
    reports it as that one message, without a Python traceback."""


def get_project(*, id: str | None = None, name: str | None = None) -> ProjectInfo:
    """The project with this id, or the one project with this name.

    :raises DepotLookupError: no such project, several projects with that name (the message lists their ids),
        not exactly one of id= or name=, no token configured, or Depot answered with an error.
    """
    args = GetProjectArgs(id=id, name=name)
    try:
        project_lookup.require_one_of(args)
        with _client("get_project") as client:  # closed after the call: a program may look up many times
            return project_lookup.get_project(client, args)
    except LookupFailed as error:
        raise DepotLookupError(f"get_project: {error}") from None


def list_projects(*, region: str | None = None) -> list[ProjectInfo]:
    """Every project the token's organization has (in one region if ``region`` is given).

    :raises DepotLookupError: no token configured, or Depot answered with an error.
    """
    try:
        with _client("list_projects") as client:
            return project_lookup.list_projects(client, ListProjectsArgs(region=region)).projects
    except LookupFailed as error:
        raise DepotLookupError(f"list_projects: {error}") from None


def get_project_output(
    *, id: pulumi.Input[str | None] = None, name: pulumi.Input[str | None] = None
) -> pulumi.Output[ProjectInfo]:
    """get_project once ``id`` / ``name`` are known (``id=project.id``); the Output carries their secrecy and
    dependencies. In a preview where one is unknown, the result is unknown and Depot is not called."""
    return pulumi.Output.all(id, name).apply(lambda known: get_project(id=known[0], name=known[1]))


def list_projects_output(*, region: pulumi.Input[str | None] = None) -> pulumi.Output[list[ProjectInfo]]:
    """list_projects once ``region`` is known, as an Output (unknown in a preview where ``region`` is)."""
    return pulumi.Output.from_input(region).apply(lambda known: list_projects(region=known))


class _StackConfig:
    """`depot:*` stack config as the provider's configure sees it."""

    def __init__(self) -> None:
        self._config = pulumi.Config("depot")

    def get(self, key: str) -> str | None:
        return self._config.get(key.removeprefix("depot:"))


def _client(what: str, environ: Mapping[str, str] | None = None) -> DepotClient:
    try:
        return new_client(DepotSettings.resolve(_StackConfig(), environ))
    except ConfigurationError as error:
        raise DepotLookupError(f"{what}: {error}") from None
