"""Depot's official Node SDK (@depot/sdk-node 1.4.0, from npm) accepts the local Depot API as the real service.

tests/node/sdk_roundtrip.mjs drives every ProjectService method through the SDK and prints what the SDK decoded;
this test chooses the inputs, asserts on that output, checks that the SDK spoke h2c, and reads the objects it
created back through plain HTTP/1.1 JSON calls.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import httpx
import pytest
from official_clients import (
    H2_PREFACE,
    ApiOrg,
    H2cTap,
    run_node_sdk_script,
)

NODE_TIMEOUT = 60.0
PROJECT_ID = re.compile(r"^[a-z0-9]{10}$")
GIB = 1024**3


def _suffix() -> str:
    return secrets.token_hex(3)


def _plan() -> dict[str, Any]:
    """Inputs for one run: non-default values everywhere, so a dropped field shows."""
    suffix = _suffix()
    return {
        "create": {
            "name": f"sdk-created-{suffix}",
            "regionId": "eu-central-1",
            "cachePolicy": {"keepGb": 75, "keepDays": 21},
            "hardware": "HARDWARE_8X16",
        },
        "update": {
            "name": f"sdk-updated-{suffix}",
            "regionId": "us-east-1",
            "cachePolicy": {"keepGb": 120, "keepDays": 3},
            "hardware": "HARDWARE_32X64",
        },
        "trustPolicies": {
            "github": {"repositoryOwner": f"owner-{suffix}", "repository": f"repo-{suffix}"},
            "buildkite": {"organizationSlug": f"org-{suffix}", "pipelineSlug": f"pipeline-{suffix}"},
            "circleci": {
                "organizationUuid": "0b6e1c53-2b5e-4f3a-9d57-1a1e3c6f7a01",
                "projectUuid": f"7d2f4a10-5c3b-4e6d-8f9a-{secrets.token_hex(6)}",
            },
        },
        "token": {"description": f"ci token {suffix}", "newDescription": f"renamed ci token {suffix}"},
        "projectTokenProjectName": f"made-with-a-project-token-{suffix}",
        "missingProjectId": "zz" + secrets.token_hex(4),
        "badToken": "depot_org_unknown_" + secrets.token_hex(8),
        "invalidRegion": "mars-central-1",
        "kept": {
            "name": f"sdk-kept-{suffix}",
            "regionId": "us-east-1",
            "cachePolicy": {"keepGb": 10, "keepDays": 0},
            "hardware": "HARDWARE_4X4",
        },
    }


def run_sdk(url: str, token: str, plan: dict[str, Any]) -> dict[str, Any]:
    return run_node_sdk_script("sdk_roundtrip.mjs", url, token, plan, timeout=NODE_TIMEOUT)  # type: ignore[no-any-return]


class SdkRun(NamedTuple):
    plan: dict[str, Any]
    observed: dict[str, Any]
    openings: list[bytes]  # how each of the SDK's connections opened


@pytest.fixture
def sdk_run(depot: ApiOrg) -> SdkRun:
    """One run of the SDK against a fresh organization, through an H2cTap."""
    plan = _plan()
    with H2cTap(depot.url) as tap:
        observed = run_sdk(tap.url, depot.token, plan)
    return SdkRun(plan, observed, tap.openings)


def ok(observation: dict[str, Any]) -> dict[str, Any]:
    assert observation["ok"], f"the SDK raised {observation.get('codeName')}: {observation.get('message')}"
    return observation["value"]  # type: ignore[no-any-return]


def failed(observation: dict[str, Any], code_name: str, code: int) -> str:
    assert not observation["ok"], f"expected {code_name}, the call succeeded: {observation['value']}"
    assert (observation["codeName"], observation["code"]) == (code_name, code), observation
    assert observation["message"], "the SDK surfaced an empty error message"
    return str(observation["message"])


def expected_cache_policy(policy: dict[str, int]) -> dict[str, Any]:
    return {"keepGb": policy["keepGb"], "keepDays": policy["keepDays"], "keepBytes": str(policy["keepGb"] * GIB)}


def assert_project(project: dict[str, Any], spec: dict[str, Any], org_id: str) -> None:
    assert PROJECT_ID.match(project["projectId"]), project["projectId"]
    assert project["organizationId"] == org_id
    assert project["name"] == spec["name"]
    assert project["regionId"] == spec["regionId"]
    # proto3 JSON may leave out zero values (the SDK's output here emits them, a server's need not)
    cache_policy = {"keepGb": 0, "keepDays": 0, "keepBytes": "0", **project["cachePolicy"]}
    assert cache_policy == expected_cache_policy(spec["cachePolicy"])
    assert project["hardware"] == spec["hardware"]


def parse_timestamp(value: str) -> datetime:
    whole, _, fraction = value.removesuffix("Z").partition(".")
    return datetime.fromisoformat(whole).replace(tzinfo=UTC) + timedelta(microseconds=int((fraction or "0")[:6]))


def test_node_sdk_speaks_h2c_to_the_local_api(sdk_run: SdkRun) -> None:
    _, observed, openings = sdk_run
    assert observed["sdkVersion"] == "1.4.0"
    assert openings, "the SDK never connected"
    assert all(opening == H2_PREFACE for opening in openings), openings


def test_node_sdk_project_lifecycle(depot: ApiOrg, sdk_run: SdkRun) -> None:
    plan, observed, _ = sdk_run
    started = datetime.now(UTC)
    assert observed["listedBefore"] == {"projects": []}, "a fresh organization starts with no projects"

    created = ok(observed["created"])["project"]
    assert_project(created, plan["create"], depot.org_id)
    assert abs(parse_timestamp(created["createdAt"]) - started) < timedelta(minutes=5)
    assert ok(observed["got"])["project"] == created

    updated = ok(observed["updated"])["project"]
    assert_project(updated, {**plan["update"], "regionId": plan["create"]["regionId"]}, depot.org_id)
    assert (updated["projectId"], updated["createdAt"]) == (created["projectId"], created["createdAt"])
    assert ok(observed["gotAfterUpdate"])["project"] == updated

    region_moved = ok(observed["regionOnlyUpdate"])["project"]
    assert region_moved == {**updated, "regionId": plan["update"]["regionId"]}, "absent fields must not change"
    assert ok(observed["listed"])["projects"] == [region_moved]

    ok(observed["reset"])
    assert ok(observed["gotAfterReset"])["project"] == region_moved, "ResetProject keeps the project's settings"

    ok(observed["deleted"])
    assert "not found" in failed(observed["gotAfterDelete"], "NotFound", 5)
    listed_after = ok(observed["listedAfterDelete"])["projects"]
    assert created["projectId"] not in [project["projectId"] for project in listed_after]
    failed(observed["deletedAgain"], "NotFound", 5)


def test_node_sdk_trust_policies_of_each_kind(sdk_run: SdkRun) -> None:
    plan, observed, _ = sdk_run
    trust = observed["trustPolicies"]
    added = {kind: ok(trust["added"][kind])["trustPolicy"] for kind in plan["trustPolicies"]}
    for kind, fields in plan["trustPolicies"].items():
        assert added[kind] == {"trustPolicyId": added[kind]["trustPolicyId"], kind: fields}
        assert added[kind]["trustPolicyId"]
    assert len({policy["trustPolicyId"] for policy in added.values()}) == 3

    by_id = lambda policies: {policy["trustPolicyId"]: policy for policy in policies}  # noqa: E731
    assert by_id(ok(trust["listed"])["trustPolicies"]) == by_id(added.values())
    remaining = dict(added)
    for kind in plan["trustPolicies"]:
        assert ok(trust["removed"][kind]) == {}
        del remaining[kind]
        assert by_id(ok(trust["listedAfterRemoving"][kind])["trustPolicies"]) == by_id(remaining.values())
    failed(trust["removedAgain"], "NotFound", 5)


def test_node_sdk_project_tokens(sdk_run: SdkRun) -> None:
    plan, observed, _ = sdk_run
    tokens = observed["tokens"]
    created = ok(tokens["created"])
    token_id, secret = created["tokenId"], created["secret"]
    assert token_id and len(secret) >= 20

    listed = ok(tokens["listed"])
    assert listed == {"tokens": [{"tokenId": token_id, "description": plan["token"]["description"]}]}
    after_update = ok(tokens["listedAfterUpdate"])
    assert after_update == {"tokens": [{"tokenId": token_id, "description": plan["token"]["newDescription"]}]}
    secret_listed = secret in json.dumps([listed, after_update])
    assert not secret_listed, "ListTokens returned the token's secret"

    failed(tokens["projectTokenCreatesProject"], "PermissionDenied", 7)
    assert ok(tokens["deleted"]) == {}
    assert ok(tokens["listedAfterDelete"]) == {"tokens": []}
    failed(tokens["deletedAgain"], "NotFound", 5)


def test_node_sdk_error_codes(sdk_run: SdkRun) -> None:
    plan, observed, _ = sdk_run
    errors = observed["errors"]
    assert plan["missingProjectId"] in failed(errors["getMissingProject"], "NotFound", 5)
    failed(errors["badToken"], "Unauthenticated", 16)
    failed(errors["noToken"], "Unauthenticated", 16)
    assert "region" in failed(errors["invalidRegion"], "InvalidArgument", 3)


def _connect_json(url: str, token: str, method: str, body: dict[str, Any]) -> dict[str, Any]:
    """One Connect unary call, JSON codec, HTTP/1.1, straight through httpx (no pulumi-depot code involved)."""
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        response = http.post(
            f"{url}/depot.core.v1.ProjectService/{method}",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Connect-Protocol-Version": "1"},
        )
    assert response.status_code == 200, (method, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    return response.json()  # type: ignore[no-any-return]


def test_objects_made_with_the_node_sdk_are_seen_over_plain_json(depot: ApiOrg, sdk_run: SdkRun) -> None:
    plan, observed, _ = sdk_run
    kept = ok(observed["kept"]["project"])["project"]
    policy = ok(observed["kept"]["trustPolicy"])["trustPolicy"]
    token = ok(observed["kept"]["token"])

    project = _connect_json(depot.url, depot.token, "GetProject", {"projectId": kept["projectId"]})["project"]
    assert_project(project, plan["kept"], depot.org_id)
    assert project["projectId"] == kept["projectId"]
    assert parse_timestamp(project["createdAt"]) == parse_timestamp(kept["createdAt"])

    listed = _connect_json(depot.url, depot.token, "ListProjects", {})["projects"]
    assert [p["projectId"] for p in listed] == [kept["projectId"]], "the deleted project must be gone"
    policies = _connect_json(depot.url, depot.token, "ListTrustPolicies", {"projectId": kept["projectId"]})
    assert policies == {"trustPolicies": [policy]}
    tokens = _connect_json(depot.url, depot.token, "ListTokens", {"projectId": kept["projectId"]})
    assert tokens == {"tokens": [{"tokenId": token["tokenId"], "description": plan["token"]["description"]}]}
