"""Fixtures for the resources' tests: a real dynamic provider host configured for a local Depot organization."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

import pytest
from dynamic_host import DynamicProviderHost

# A host must not pick these up from the test runner's environment: configuration comes from configure().
CLEAN_ENV = {"DEPOT_TOKEN": "", "DEPOT_API_URL": ""}


class Org(Protocol):
    url: str
    token: str
    org_id: str


@pytest.fixture
def start_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., DynamicProviderHost]]:
    """start_host(org=None, env=None): a running host, configured with the org's token (as a secret) and URL.
    Each host has a create journal of its own (a fresh PULUMI_DEPOT_JOURNAL_DIR) unless env names one."""
    hosts: list[DynamicProviderHost] = []

    def start(org: Org | None = None, env: dict[str, str] | None = None) -> DynamicProviderHost:
        journal = {"PULUMI_DEPOT_JOURNAL_DIR": str(tmp_path_factory.mktemp("journal"))}
        host = DynamicProviderHost(env={**CLEAN_ENV, **journal, **(env or {})})
        hosts.append(host)
        host.start()
        config = {"depot:token": org.token, "depot:apiUrl": org.url} if org else {}
        host.configure(config, secret_keys={"depot:token"} if org else ())
        return host

    yield start
    for host in hosts:
        host.close()


@pytest.fixture
def host(depot: Org, start_host: Callable[..., DynamicProviderHost]) -> DynamicProviderHost:
    return start_host(depot)
