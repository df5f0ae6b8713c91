"""Reading Depot projects without managing them: one project by id or by name, or every project.

One copy for both front ends: the dynamic SDK's get_project / list_projects (pulumi_depot.lookups, called while
the program runs) and the native plugin's invokes depot:index:getProject / depot:index:listProjects. The models
here are also the invokes' inputs and outputs in the package schema (scripts/gen_schema.py); their project is
the one read model, project_read.ProjectInfo.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from pulumi_depot_provider.client import DepotClient, DepotError, NotFound
from pulumi_depot_provider.resources.project_read import ProjectCachePolicy as ProjectCachePolicy
from pulumi_depot_provider.resources.project_read import ProjectInfo as ProjectInfo


class LookupFailed(Exception):
    """A look-up failed: one line saying what was looked up and why; each front end says which look-up it was."""

    def __init__(self, message: str, argument: str = "") -> None:
        super().__init__(message)
        self.argument = argument  # the argument at fault, when it is the arguments that are wrong


class GetProjectArgs(BaseModel):
    """Give exactly one of id or name."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(None, description="The project id.")
    name: str | None = Field(None, description="The project's name; exactly one project may have it.")


class ListProjectsArgs(BaseModel):
    """Every project of the token's organization, or of one region."""

    model_config = ConfigDict(extra="forbid")

    region: str | None = Field(None, description="Only the projects in this region (us-east-1, eu-central-1).")


class ListProjectsResult(BaseModel):
    """The projects of the token's organization."""

    projects: list[ProjectInfo] = Field(description="The projects, in Depot's order.")


def require_one_of(args: GetProjectArgs) -> None:
    """Exactly one of id and name (checked before anything else, a missing token included).

    :raises LookupFailed: naming the argument.
    """
    if args.id is not None and args.name is not None:
        raise LookupFailed("give exactly one of id or name, not both", "name")
    if args.id is None and args.name is None:
        raise LookupFailed("give exactly one of id or name (neither was given)", "id")


def get_project(client: DepotClient, args: GetProjectArgs) -> ProjectInfo:
    """The project with this id, or the one project with this name.

    :raises LookupFailed: no such project, several projects with that name (listing their ids), neither or both
        arguments given, or Depot answered with an error.
    """
    require_one_of(args)
    try:
        if args.id is not None:
            try:
                return ProjectInfo.from_message(client.get_project(args.id))
            except NotFound:
                raise LookupFailed(f"no Depot project with id {args.id!r} in the token's organization", "id") from None
        named = [p for p in client.list_projects() if p.name == args.name]
    except DepotError as error:
        raise _depot_failed(error) from None
    if not named:
        raise LookupFailed(f"no Depot project is named {args.name!r} in the token's organization", "name")
    if len(named) > 1:
        ids = ", ".join(p.project_id for p in named)
        raise LookupFailed(
            f"{len(named)} Depot projects are named {args.name!r} (ids: {ids}); look it up by id instead", "name"
        )
    return ProjectInfo.from_message(named[0])


def list_projects(client: DepotClient, args: ListProjectsArgs) -> ListProjectsResult:
    """Every project the token's organization has (in one region if `region` is given).

    :raises LookupFailed: Depot answered with an error.
    """
    try:
        projects = client.list_projects()
    except DepotError as error:
        raise _depot_failed(error) from None
    return ListProjectsResult(
        projects=[ProjectInfo.from_message(p) for p in projects if args.region in (None, p.region_id)]
    )


def _depot_failed(error: DepotError) -> LookupFailed:
    return LookupFailed(f"Depot answered {error.code.value}: {error.message}")
