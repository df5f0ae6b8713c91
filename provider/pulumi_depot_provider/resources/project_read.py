"""A project as Depot reports it: the one model read from a pb.Project, which the others derive from.

`ProjectInfo` is it (and the getProject / listProjects invokes' output in the schema); the resource's outputs
(`project.ProjectState`, which adds keep_bytes and what Depot does not hold) and the importer's
`ProjectSnapshot` (a subclass, with the project's trust policies and tokens) are made from it.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from pulumi_depot_provider.client.project_settings import GIB
from pulumi_depot_provider.proto import pb


def hardware_name(number: int) -> str:
    return pb.Hardware.Name(number) if number in pb.Hardware.values() else f"HARDWARE_{number}"


class ProjectCachePolicy(BaseModel):
    """A project's effective cache policy."""

    model_config = ConfigDict(frozen=True)

    keep_gb: int = Field(description="Cache size limit in GB.")
    keep_days: int = Field(description="Days to keep cache entries; 0 means no time limit.")

    @classmethod
    def from_message(cls, policy: pb.CachePolicy) -> ProjectCachePolicy:
        """keep_gb, or the deprecated keep_bytes in GB when only that is set (0: no size limit reported)."""
        keep_gb = policy.keep_gb or (policy.keep_bytes // GIB if policy.HasField("keep_bytes") else 0)
        return cls(keep_gb=keep_gb, keep_days=policy.keep_days)


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
    def from_message(cls, project: pb.Project, **more: Any) -> Self:
        """The one conversion from Depot's message; `more`: a subclass's own fields."""
        return cls(
            id=project.project_id,
            name=project.name,
            region=project.region_id,
            organization_id=project.organization_id,
            created_at=project.created_at.ToJsonString(),
            cache_policy=ProjectCachePolicy.from_message(project.cache_policy),
            hardware=hardware_name(project.hardware),
            **more,
        )
