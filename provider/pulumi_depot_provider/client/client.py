"""Typed client for depot.core.v1.ProjectService over Connect unary (httpx).

INTERFACE FILE: signatures and docstrings are the contract the resource layer codes against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx

from pulumi_depot_provider.proto import pb

DEFAULT_BASE_URL = "https://api.depot.dev"
SERVICE = "depot.core.v1.ProjectService"

Codec = Literal["json", "proto"]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter for retryable failures (unavailable, resource_exhausted honouring
    Retry-After, connection errors), bounded by attempts and by total time."""

    max_attempts: int = 5
    initial_backoff: float = 0.25
    max_backoff: float = 8.0
    total_timeout: float = 60.0


class DepotClient:
    """One client per provider process; thread-safe (the dynamic provider host runs 4 calls at once).

    base_url and token come from the arguments, else from DEPOT_API_URL / DEPOT_TOKEN (default base URL
    https://api.depot.dev). The token is never in a repr, a message or a log.

    Idempotent methods (Get/List/Update/Delete/Reset/Remove/UpdateToken/DeleteToken) are retried on retryable
    failures. Non-idempotent ones (CreateProject, AddTrustPolicy, CreateToken) are retried only when the failure
    is certain (nothing reached the server); an ambiguous failure raises a DepotError with ambiguous=True and
    the resource layer decides (it looks for what may have been created).
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        codec: Codec = "json",
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        http2: bool = False,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        raise NotImplementedError

    def close(self) -> None: ...
    def __enter__(self) -> DepotClient: ...
    def __exit__(self, *exc: object) -> None: ...

    @property
    def base_url(self) -> str: ...

    def list_projects(self, *, region_id: str | None = None, page_size: int | None = None) -> list[pb.Project]:
        """Every project the token can see, following next_page_token (always JSON: the paging fields'
        numbers are not published)."""
        raise NotImplementedError

    def get_project(self, project_id: str) -> pb.Project: ...

    def create_project(
        self,
        name: str,
        region_id: str,
        *,
        organization_id: str | None = None,
        cache_policy: pb.CachePolicy | None = None,
        hardware: int | None = None,
    ) -> pb.Project: ...

    def update_project(
        self,
        project_id: str,
        *,
        name: str | None = None,
        region_id: str | None = None,
        cache_policy: pb.CachePolicy | None = None,
        hardware: int | None = None,
    ) -> pb.Project:
        """Only the arguments that are not None are sent (explicit presence)."""
        ...

    def delete_project(self, project_id: str) -> None: ...
    def reset_project(self, project_id: str) -> None: ...
    def list_trust_policies(self, project_id: str) -> list[pb.TrustPolicy]: ...

    def add_trust_policy(
        self,
        project_id: str,
        *,
        github: pb.TrustPolicy.GitHub | None = None,
        buildkite: pb.TrustPolicy.Buildkite | None = None,
        circleci: pb.TrustPolicy.CircleCI | None = None,
    ) -> pb.TrustPolicy:
        """Exactly one provider must be given."""
        ...

    def remove_trust_policy(self, project_id: str, trust_policy_id: str) -> None: ...
    def list_tokens(self, project_id: str) -> list[pb.ListTokensResponse.Token]: ...
    def create_token(self, project_id: str, description: str) -> pb.CreateTokenResponse: ...
    def update_token(self, token_id: str, description: str) -> None: ...
    def delete_token(self, token_id: str) -> None: ...
    def list_organizations(self) -> list[pb.Organization]: ...
