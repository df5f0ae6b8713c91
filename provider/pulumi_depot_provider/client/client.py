"""Typed client for depot.core.v1.ProjectService over Connect unary (httpx).

Its public signatures are the contract the resource layer codes against.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, cast, get_args

import httpx
from google.protobuf.message import Message

from pulumi_depot_provider.client.codec import CodecName
from pulumi_depot_provider.client.config import (
    DEFAULT_BASE_URL,
    is_loopback,
    resolve_allow_insecure_http,
    resolve_base_url,
    resolve_token,
    user_agent,
)
from pulumi_depot_provider.client.errors import Code, ConfigurationError, TransportError
from pulumi_depot_provider.client.h2_transport import ThreadSafeHTTP2Transport
from pulumi_depot_provider.client.ledger import ProjectLedger
from pulumi_depot_provider.client.retry import Retrier, RetryPolicy
from pulumi_depot_provider.client.wire import Exchange, Rpc
from pulumi_depot_provider.proto import pb

__all__ = ["DEFAULT_BASE_URL", "SERVICE", "Codec", "DepotClient", "RetryPolicy"]

SERVICE = "depot.core.v1.ProjectService"
ORGANIZATION_SERVICE = "depot.core.v1.OrganizationService"
NON_IDEMPOTENT = frozenset({"CreateProject", "AddTrustPolicy", "CreateToken"})
TRUST_KINDS = tuple(member.name for member in pb.AddTrustPolicyRequest.DESCRIPTOR.oneofs_by_name["provider"].fields)

Codec = CodecName
M = TypeVar("M", bound=Message)


def _rpcs() -> dict[str, Rpc]:
    rpcs: dict[str, Rpc] = {}
    for service_name in (SERVICE, ORGANIZATION_SERVICE):
        service = pb.DESCRIPTOR.services_by_name[service_name.rsplit(".", 1)[1]]
        for method in service.methods:
            response = getattr(pb, method.output_type.name)
            rpcs[method.name] = Rpc(service_name, method.name, response, method.name not in NON_IDEMPOTENT)
    return rpcs


RPCS: dict[str, Rpc] = _rpcs()


# httpx's own defaults: 100 connections, of which 20 are kept open between calls.
DEFAULT_CONCURRENCY = 20
_DEFAULT_MAX_CONNECTIONS = 100


def pool_limits(concurrency: int) -> httpx.Limits:
    """Connection pool limits for a client that makes `concurrency` calls at once: never below httpx's defaults.

    Over HTTP/1.1 a connection carries one call at a time, so every call in flight holds a connection of its own.
    With fewer connections kept alive than concurrent callers, httpx closes the surplus after each call and the next
    call pays a new TCP (and TLS) handshake; with fewer connections allowed than callers, the extra callers queue
    for one (and fail with PoolTimeout after `timeout`). The dynamic provider host runs 4 calls at once, within
    httpx's defaults; a provider that follows the engine's --parallel (issue 10) runs more.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError(f"concurrency must be a positive whole number, got {concurrency!r}")
    return httpx.Limits(
        max_connections=max(_DEFAULT_MAX_CONNECTIONS, concurrency),
        max_keepalive_connections=max(DEFAULT_CONCURRENCY, concurrency),
    )


def _hardware(value: int | None) -> pb.Hardware | None:
    # Any int goes through (proto3 enums are open): a value this client does not know may be one Depot added.
    return cast("pb.Hardware", value)


class DepotClient:
    """One client per provider process; thread-safe (the dynamic provider host runs 4 calls at once).

    base_url and token come from the arguments, else from DEPOT_API_URL / DEPOT_TOKEN (default base URL
    https://api.depot.dev). The token is never in a repr, a message or a log, and the client refuses to be
    pickled (a pickle would carry it).

    Idempotent methods (Get/List/Update/Delete/Reset/Remove/UpdateToken/DeleteToken) are retried on retryable
    failures. Non-idempotent ones (CreateProject, AddTrustPolicy, CreateToken) are retried only when the failure
    is certain (nothing reached the server); an ambiguous failure raises a DepotError with ambiguous=True and
    the resource layer decides (it looks for what may have been created). A retried delete or remove whose first
    attempt committed answers not_found: callers should treat not_found on delete as "already gone".

    `timeout` bounds each attempt (sent as Connect-Timeout-Ms); `retry.total_timeout` bounds a whole call.
    `sleep`, `clock` and `rng` drive the backoff (tests inject fakes). `http2=True` speaks HTTP/2 only: h2c with
    prior knowledge to an http:// URL, as Depot's own CLI and Node SDK do. `concurrency` is how many calls the
    caller makes at once: the connection pool keeps at least that many connections (see pool_limits).

    An http:// base URL must be loopback (127.0.0.0/8, ::1, localhost): the token goes with every call.
    `allow_insecure_http=True` accepts any host; None (the default) reads DEPOT_ALLOW_INSECURE_HTTP=1.
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
        concurrency: int = DEFAULT_CONCURRENCY,
        allow_insecure_http: bool | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if codec not in get_args(Codec):
            raise ConfigurationError(f"codec must be 'json' or 'proto', got {codec!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < float("inf"):
            raise ConfigurationError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self._base_url = resolve_base_url(
            base_url, allow_insecure_http=resolve_allow_insecure_http(allow_insecure_http)
        )
        token_secret = resolve_token(token)
        self._codec: Codec = codec
        self._timeout = float(timeout)
        self._http2 = http2
        # HTTPS_PROXY and SSL_CERT_FILE matter behind corporate networks; a loopback API never goes via a
        # proxy, and an injected transport is used as given (env proxies would be mounted over it).
        trust_env = transport is None and not is_loopback(self._base_url)
        limits = pool_limits(concurrency)
        if http2 and transport is None:
            # httpx's own sync HTTP/2 breaks when threads share a connection: see h2_transport.
            transport = ThreadSafeHTTP2Transport(trust_env=trust_env, limits=limits)
        self._http = httpx.Client(
            http1=not http2,
            http2=http2,
            transport=transport,
            trust_env=trust_env,
            follow_redirects=False,
            limits=limits,  # applies to httpx's own transport; an injected one brings its own
        )
        # What this client put on the projects it created (see ledger.py): creates on them need no listing.
        self.ledger = ProjectLedger()
        self._exchange = Exchange(self._http, self._base_url, token_secret, user_agent())
        self._retrier = Retrier(
            retry if retry is not None else RetryPolicy(),
            sleep=sleep if sleep is not None else time.sleep,
            clock=clock if clock is not None else time.monotonic,
            rng=rng if rng is not None else random.Random(),
        )

    def __repr__(self) -> str:
        return f"DepotClient(base_url={self._base_url!r}, codec={self._codec!r}, http2={self._http2})"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError(
            "DepotClient cannot be pickled: it holds the Depot token. Create it inside the provider's methods "
            "(from configure() or the environment), not in the pickled provider object."
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DepotClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def codec(self) -> Codec:
        return self._codec

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._retrier.policy

    def call(self, method: str, request: Message, response_type: type[M], *, codec: Codec | None = None) -> M:
        """One RPC by name with retries, for callers that build requests themselves."""
        rpc = RPCS.get(method)
        if rpc is None:
            raise ValueError(f"{method!r} is not a method of {SERVICE}; use one of: {', '.join(sorted(RPCS))}")
        if rpc.response is not response_type:
            raise TypeError(f"{method} answers {rpc.response.DESCRIPTOR.name}, not {response_type.__name__}")
        chosen: Codec = codec or self._codec
        try:
            answer = self._retrier.run(
                lambda budget: self._exchange.call(rpc, request, chosen, budget),
                idempotent=rpc.idempotent,
                timeout=self._timeout,
            )
        except BaseException:
            self.ledger.failed(method, request)
            raise
        assert isinstance(answer, response_type)
        self.ledger.succeeded(method, request, answer)
        return answer

    def list_projects(self, *, region_id: str | None = None, page_size: int | None = None) -> list[pb.Project]:
        """Every project the token can see, following next_page_token (always JSON: the paging fields'
        numbers are not published)."""
        if page_size is not None and (isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1):
            raise ValueError(f"page_size must be a positive whole number, got {page_size!r}")
        projects: list[pb.Project] = []
        seen_tokens: set[str] = set()
        page_token: str | None = None
        while True:
            request = pb.ListProjectsRequest(region_id=region_id, page_size=page_size, page_token=page_token)
            page = self.call("ListProjects", request, pb.ListProjectsResponse, codec="json")
            projects.extend(page.projects)
            if not page.next_page_token:
                return projects
            if page.next_page_token in seen_tokens:
                self._repeated_page_token(page.next_page_token)
            seen_tokens.add(page.next_page_token)
            page_token = page.next_page_token

    def _repeated_page_token(self, token: str) -> NoReturn:
        url = self._base_url + RPCS["ListProjects"].path
        raise TransportError(
            f"{url} sent page token {self._exchange.clean(token, 80)!r} a second time: its paging is broken; "
            "stopped rather than loop forever",
            code=Code.INTERNAL,
            method="ListProjects",
            url=url,
        )

    def get_project(self, project_id: str) -> pb.Project:
        return self.call("GetProject", pb.GetProjectRequest(project_id=project_id), pb.GetProjectResponse).project

    def create_project(
        self,
        name: str,
        region_id: str,
        *,
        organization_id: str | None = None,
        cache_policy: pb.CachePolicy | None = None,
        hardware: int | None = None,
    ) -> pb.Project:
        request = pb.CreateProjectRequest(
            name=name,
            region_id=region_id,
            organization_id=organization_id,
            cache_policy=cache_policy,
            hardware=_hardware(hardware),
        )
        return self.call("CreateProject", request, pb.CreateProjectResponse).project

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
        request = pb.UpdateProjectRequest(
            project_id=project_id,
            name=name,
            region_id=region_id,
            cache_policy=cache_policy,
            hardware=_hardware(hardware),
        )
        return self.call("UpdateProject", request, pb.UpdateProjectResponse).project

    def delete_project(self, project_id: str) -> None:
        self.call("DeleteProject", pb.DeleteProjectRequest(project_id=project_id), pb.DeleteProjectResponse)

    def reset_project(self, project_id: str) -> None:
        self.call("ResetProject", pb.ResetProjectRequest(project_id=project_id), pb.ResetProjectResponse)

    def list_trust_policies(self, project_id: str) -> list[pb.TrustPolicy]:
        request = pb.ListTrustPoliciesRequest(project_id=project_id)
        return list(self.call("ListTrustPolicies", request, pb.ListTrustPoliciesResponse).trust_policies)

    def add_trust_policy(self, project_id: str, **policy: Message | None) -> pb.TrustPolicy:
        """Exactly one kind, as the keyword naming its member of the request's oneof `provider`:
        `github=pb.TrustPolicy.GitHub(...)`, `buildkite=...`, `circleci=...` (None counts as not given)."""
        chosen = [name for name, value in policy.items() if value is not None]
        if len(chosen) != 1 or chosen[0] not in TRUST_KINDS:
            kinds = ", ".join(f"{kind}=" for kind in TRUST_KINDS)
            raise ValueError(f"add_trust_policy takes exactly one of {kinds}; got {chosen or 'none'}")
        request = pb.AddTrustPolicyRequest(project_id=project_id)
        getattr(request, chosen[0]).CopyFrom(policy[chosen[0]])  # sets the oneof to this member
        return self.call("AddTrustPolicy", request, pb.AddTrustPolicyResponse).trust_policy

    def remove_trust_policy(self, project_id: str, trust_policy_id: str) -> None:
        request = pb.RemoveTrustPolicyRequest(project_id=project_id, trust_policy_id=trust_policy_id)
        self.call("RemoveTrustPolicy", request, pb.RemoveTrustPolicyResponse)

    def list_tokens(self, project_id: str) -> list[pb.ListTokensResponse.Token]:
        return list(self.call("ListTokens", pb.ListTokensRequest(project_id=project_id), pb.ListTokensResponse).tokens)

    def create_token(self, project_id: str, description: str) -> pb.CreateTokenResponse:
        request = pb.CreateTokenRequest(project_id=project_id, description=description)
        return self.call("CreateToken", request, pb.CreateTokenResponse)

    def update_token(self, token_id: str, description: str) -> None:
        request = pb.UpdateTokenRequest(token_id=token_id, description=description)
        self.call("UpdateToken", request, pb.UpdateTokenResponse)

    def delete_token(self, token_id: str) -> None:
        self.call("DeleteToken", pb.DeleteTokenRequest(token_id=token_id), pb.DeleteTokenResponse)

    def list_organizations(self) -> list[pb.Organization]:
        response = self.call("ListOrganizations", pb.ListOrganizationsRequest(), pb.ListOrganizationsResponse)
        return list(response.organizations)
