"""Garbage never breaks the server: every answer is a Connect answer below 500, and the server keeps serving."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import brotli
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_depot_provider.client.errors import HTTP_STATUS, Code

from depot_local.connect import METHODS

PATHS = sorted(METHODS)
FIELD_NAMES = [
    "name", "regionId", "projectId", "organizationId", "cachePolicy", "keepGb", "keepBytes", "keepDays",
    "hardware", "github", "buildkite", "circleci", "repository", "repositoryOwner", "organizationSlug",
    "pipelineSlug", "organizationUuid", "projectUuid", "trustPolicyId", "tokenId", "description",
    "pageSize", "pageToken",
]  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=80),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=12,
)
JSON_BODIES = st.dictionaries(st.sampled_from(FIELD_NAMES), JSON_VALUES, max_size=6).map(
    lambda value: json.dumps(value).encode()
)
VISIBLE_ASCII = st.characters(
    min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="?#"
)  # what a URL/header holds
ENCODERS = {"": bytes, "identity": bytes, "gzip": gzip.compress, "br": brotli.compress}
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def http(depot) -> Iterator[httpx.Client]:
    headers = {"authorization": f"Bearer {depot.token}", "connect-protocol-version": "1"}
    with httpx.Client(base_url=depot.url, headers=headers, trust_env=False, timeout=20.0) as client:
        yield client


def assert_connect_answer(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        body = response.json()
        assert set(body) == {"code", "message"}
        if response.status_code not in (404, 405, 415):  # statuses Connect fixes by protocol, not by code
            assert HTTP_STATUS[Code(body["code"])] == response.status_code


@FUZZ
@given(
    path=st.sampled_from(PATHS),
    body=st.binary(max_size=300),
    codec=st.sampled_from(["json", "proto"]),
    encoding=st.sampled_from(list(ENCODERS)),
    compress=st.booleans(),
)
def test_random_bytes(http, path, body, codec, encoding, compress):
    if compress:
        body = ENCODERS[encoding](body)
    headers = {"content-type": f"application/{codec}", "content-encoding": encoding}
    assert_connect_answer(http.post(path, content=body, headers=headers))


@FUZZ
@given(path=st.sampled_from(PATHS), body=JSON_BODIES)
def test_random_json_messages(http, path, body):
    assert_connect_answer(http.post(path, content=body, headers={"content-type": "application/json"}))


@FUZZ
@given(
    path=st.sampled_from(PATHS) | st.text(alphabet=VISIBLE_ASCII, max_size=40).map(lambda text: "/" + text.lstrip("/")),
    method=st.sampled_from(["GET", "PUT", "DELETE", "PATCH", "POST"]),
    headers=st.dictionaries(
        st.sampled_from(["content-type", "content-encoding", "connect-timeout-ms", "connect-protocol-version"]),
        st.text(alphabet=VISIBLE_ASCII, max_size=30),
    ),
)
def test_random_paths_methods_and_headers(http, path, method, headers):
    assert_connect_answer(http.request(method, httpx.URL(path=path), content=b"{}", headers=headers))


def test_the_server_is_still_up_and_never_answered_internal(depot_server, http):
    assert (
        http.post(
            "/depot.core.v1.ProjectService/ListProjects", content=b"{}", headers={"content-type": "application/json"}
        ).status_code
        == 200
    )
    internal = {method: stats for method, stats in depot_server.stats().items() if "internal" in stats["results"]}
    assert internal == {}
