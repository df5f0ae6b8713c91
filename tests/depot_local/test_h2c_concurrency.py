"""32 concurrent calls on one h2c connection, from our DepotClient (http2=True, shared by threads) and from
Depot's official Node SDK (connect-es, HTTP/2): every call succeeds, nothing is dropped or duplicated.

H2cTap counts the client's connections, so "one connection" is observed rather than assumed. The server adds a
little latency to every call so that the streams are open at the same time.
"""

from __future__ import annotations

import secrets
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from official_clients import H2_PREFACE, H2cTap, run_node_sdk_script
from pulumi_depot_provider.client import DepotClient, RetryPolicy

STREAMS = 32
NODE_TIMEOUT = 120.0
# One attempt per call: a retry would hide a dropped stream.
NO_RETRIES = RetryPolicy(max_attempts=1)


@pytest.fixture
def slow_server(start_depot_server):
    return start_depot_server(latency_ms=50)


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads as often as the interpreter can: races between threads show up on every run rather than
    on a loaded machine only (the httpcore race this guards against needed exactly that to appear)."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def test_depot_client_shares_one_h2c_connection_between_32_threads(slow_server, frequent_thread_switches):
    org = slow_server.create_org("h2c threads")
    prefix = secrets.token_hex(3)
    with H2cTap(org.url) as tap, DepotClient(tap.url, org.token, http2=True, retry=NO_RETRIES) as client:
        start = threading.Barrier(STREAMS)

        def create(index: int) -> str:
            start.wait()
            return client.create_project(f"{prefix}-{index}", "us-east-1").name

        with ThreadPoolExecutor(STREAMS) as pool:
            created = list(pool.map(create, range(STREAMS)))
        listed = [project.name for project in client.list_projects()]
    assert created == [f"{prefix}-{index}" for index in range(STREAMS)]
    assert sorted(listed) == sorted(created)
    assert tap.openings == [H2_PREFACE], "expected exactly one h2c connection"


def test_node_sdk_runs_32_concurrent_streams_on_one_connection(slow_server):
    org = slow_server.create_org("h2c node")
    prefix = secrets.token_hex(3)
    with H2cTap(org.url) as tap:
        payload = {"count": STREAMS, "prefix": prefix}
        observed = run_node_sdk_script("sdk_concurrent.mjs", tap.url, org.token, payload, timeout=NODE_TIMEOUT)
    assert observed["results"] == ["ok"] * STREAMS
    assert sorted(observed["listed"]) == sorted(f"{prefix}-{index}" for index in range(STREAMS))
    assert tap.openings == [H2_PREFACE], "expected exactly one h2c connection"
