"""Provider configuration: the Depot token and API URL, read in the provider host's `configure`.

Stack config `depot:token` (set it as a secret), `depot:apiUrl` and `depot:allowInsecureHttp` win; the
environment variables `DEPOT_TOKEN`, `DEPOT_API_URL` and `DEPOT_ALLOW_INSECURE_HTTP` are the fallback. An http://
API URL must be loopback unless allowInsecureHttp is true (the token would travel in cleartext).

Nothing here is ever pickled: the provider object the SDK serialises into `__provider` holds no configuration
(a trust resource's holds the stack's depot:allowedTrust, which is not a secret: guardrail.py), and the client is
created lazily inside the host process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from pulumi_depot_provider.client import DEFAULT_BASE_URL, DepotClient, RetryPolicy
from pulumi_depot_provider.client.config import (
    INSECURE_HTTP_ENV,
    INSECURE_HTTP_KEY,
    TOKEN_ENV,
    URL_ENV,
    parse_flag,
    resolve_base_url,
)

# Re-exported: provider code and users import ConfigurationError from here.
from pulumi_depot_provider.client.errors import ConfigurationError as ConfigurationError

TOKEN_KEY = "depot:token"
API_URL_KEY = "depot:apiUrl"
ALLOW_INSECURE_HTTP_KEY = INSECURE_HTTP_KEY

MISSING_TOKEN = (
    "no Depot token is configured: run `pulumi config set --secret depot:token <token>` "
    "(an organization token from Depot's organization settings), or set the DEPOT_TOKEN environment variable"
)


class ConfigSource(Protocol):
    """What `pulumi.dynamic.Config` offers (and what tests may pass instead)."""

    def get(self, key: str) -> Any: ...


class DepotSettings(BaseModel):
    """The provider's resolved configuration. The token is a SecretStr: it never shows in a repr or a dump."""

    model_config = ConfigDict(frozen=True)

    token: SecretStr | None = Field(None, description="Depot organization token")
    api_url: str = Field(DEFAULT_BASE_URL, description="Base URL of Depot's API")
    allow_insecure_http: bool = Field(False, description="accept an http:// API URL to a host that is not loopback")

    @classmethod
    def resolve(cls, config: ConfigSource | None, environ: Mapping[str, str] | None = None) -> DepotSettings:
        """Stack config first, then the environment. Raises ConfigurationError for an unusable API URL."""
        env = os.environ if environ is None else environ
        token = _first(config, TOKEN_KEY, env, TOKEN_ENV)
        api_url = _first(config, API_URL_KEY, env, URL_ENV)
        allow = _flag(config, ALLOW_INSECURE_HTTP_KEY, env, INSECURE_HTTP_ENV)
        # The client's own validation, so the provider and the client accept exactly the same URLs.
        valid_url = (
            resolve_base_url(api_url, source=f"{API_URL_KEY} / {URL_ENV}", allow_insecure_http=allow)
            if api_url
            else DEFAULT_BASE_URL
        )
        return cls(token=SecretStr(token) if token else None, api_url=valid_url, allow_insecure_http=allow)

    def require_token(self) -> str:
        if self.token is None:
            raise ConfigurationError(MISSING_TOKEN)
        return self.token.get_secret_value()


def _first(config: ConfigSource | None, key: str, env: Mapping[str, str], env_name: str) -> str | None:
    value = config.get(key) if config is not None else None
    if value:
        return str(value)
    return env.get(env_name) or None


def _flag(config: ConfigSource | None, key: str, env: Mapping[str, str], env_name: str) -> bool:
    value = config.get(key) if config is not None else None
    if value is not None and value != "":
        return parse_flag(value, key)
    return parse_flag(env.get(env_name, ""), env_name)


# A deployment is long and touches many objects: each call may be retried 10 times within 120 s (the client's own
# default, 5 within 60 s, suits a script). At a 20% failure rate, 5 attempts leave about one failed call in 3,000,
# which is one failed `up` per fleet of a few hundred tenants; 10 leave one in ten million.
PROVIDER_RETRY = RetryPolicy(max_attempts=10, total_timeout=120.0)

# The dynamic provider host (`python -m pulumi.dynamic`) serves the engine from a gRPC ThreadPoolExecutor of 4
# workers, whatever `--parallel` says: at most 4 CRUD calls, and so at most 4 Depot calls, run at once in a host
# process. The session's client keeps at least that many connections open (DepotClient's pool_limits); a
# provider that runs more calls at once passes its own figure to its Session.
DYNAMIC_HOST_CONCURRENCY = 4
# Transport: HTTP/1.1. benchmarks/bench_fleet.py measured the bare client creating and deleting 100 tenants (600
# calls) from 4 threads against depot-local: h2c took 2.75x the time of HTTP/1.1 with no added latency and 1.36x
# with 20 ms per call (one multiplexed connection whose every request goes through h2_transport's event-loop
# thread, against 4 connections), so the provider keeps HTTP/1.1.


def new_client(settings: DepotSettings, *, concurrency: int = DYNAMIC_HOST_CONCURRENCY) -> DepotClient:
    """A DepotClient for these settings with the provider's retry policy. `concurrency`: how many calls the caller
    makes at once (it sizes the connection pool). A provider's Session keeps one per (API URL, token)."""
    return DepotClient(
        base_url=settings.api_url,
        token=settings.require_token(),
        allow_insecure_http=settings.allow_insecure_http,
        retry=PROVIDER_RETRY,
        concurrency=concurrency,
    )
