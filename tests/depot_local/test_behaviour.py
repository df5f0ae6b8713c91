"""Depot's semantics: defaults, cache policy units, explicit presence in UpdateProject, paging, organization_id."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from connect_rpc import Rpc
from google.protobuf import json_format
from pulumi_depot_provider.proto import pb

GIB = 1024**3


@pytest.fixture
def rpc(depot) -> Iterator[Rpc]:
    with Rpc(depot.url, depot.token) as client:
        yield client


def create(rpc: Rpc, **fields) -> pb.Project:
    fields.setdefault("name", "app")
    fields.setdefault("region_id", "us-east-1")
    return rpc.call("CreateProject", pb.CreateProjectRequest(**fields), pb.CreateProjectResponse).project


def update(rpc: Rpc, body: dict) -> pb.Project:
    """UpdateProject from a JSON body, so presence is exactly what the test writes."""
    response = rpc.post("UpdateProject", body)
    assert response.status_code == 200, response.text
    parsed = pb.UpdateProjectResponse()
    json_format.Parse(response.content, parsed)
    return parsed.project


def test_create_without_cache_policy_or_hardware_gets_depots_defaults(rpc):
    project = create(rpc)
    assert (project.cache_policy.keep_gb, project.cache_policy.keep_days) == (50, 14)
    assert project.cache_policy.keep_bytes == 50 * GIB
    assert project.hardware == pb.HARDWARE_UNSPECIFIED


def test_legacy_keep_bytes_is_answered_with_keep_gb_too(rpc):
    project = create(rpc, cache_policy=pb.CachePolicy(keep_bytes=30 * GIB, keep_days=3))
    assert (project.cache_policy.keep_gb, project.cache_policy.keep_bytes, project.cache_policy.keep_days) == (
        30,
        30 * GIB,
        3,
    )


def test_keep_bytes_and_keep_gb_that_agree_are_accepted(rpc):
    project = create(rpc, cache_policy=pb.CachePolicy(keep_bytes=8 * GIB, keep_gb=8))
    assert project.cache_policy.keep_gb == 8


def test_keep_days_zero_means_no_limit_and_is_kept(rpc):
    project = create(rpc, cache_policy=pb.CachePolicy(keep_gb=10, keep_days=0))
    assert (project.cache_policy.keep_gb, project.cache_policy.keep_days) == (10, 0)


def test_ids_are_distinct_depot_style(rpc):
    ids = {create(rpc).project_id for _ in range(5)}
    assert len(ids) == 5
    assert all(len(i) == 10 and i.isalnum() and i == i.lower() for i in ids)


def test_update_changes_only_present_fields(rpc):
    original = create(rpc, name="a", cache_policy=pb.CachePolicy(keep_gb=5, keep_days=2), hardware=pb.HARDWARE_4X4)
    project = update(rpc, {"projectId": original.project_id, "hardware": "HARDWARE_32X64"})
    assert project.hardware == pb.HARDWARE_32X64
    assert (project.name, project.region_id, project.cache_policy) == (
        original.name,
        original.region_id,
        original.cache_policy,
    )
    project = update(rpc, {"projectId": original.project_id, "regionId": "eu-central-1"})
    assert (project.region_id, project.hardware, project.name) == ("eu-central-1", pb.HARDWARE_32X64, "a")
    project = update(rpc, {"projectId": original.project_id, "cachePolicy": {"keepGb": 7}})
    assert (project.cache_policy.keep_gb, project.cache_policy.keep_days) == (7, 0)  # the policy is replaced whole
    project = update(rpc, {"projectId": original.project_id})
    assert project.name == "a" and project.created_at == original.created_at


def test_update_with_present_default_value_sets_it(rpc):
    original = create(rpc, hardware=pb.HARDWARE_8X8)
    project = update(rpc, {"projectId": original.project_id, "hardware": "HARDWARE_UNSPECIFIED"})
    assert project.hardware == pb.HARDWARE_UNSPECIFIED


def test_create_accepts_its_own_organization_id(rpc, depot):
    assert create(rpc, organization_id=depot.org_id).organization_id == depot.org_id


def test_list_without_page_size_returns_everything_and_pages_cover_all(rpc):
    ids = [create(rpc, name=f"p{i}").project_id for i in range(5)]
    everything = rpc.call("ListProjects", pb.ListProjectsRequest(), pb.ListProjectsResponse)
    assert [p.project_id for p in everything.projects] == ids
    assert not everything.HasField("next_page_token")
    seen, token, pages = [], "", 0
    while True:
        page = rpc.call("ListProjects", pb.ListProjectsRequest(page_size=2, page_token=token), pb.ListProjectsResponse)
        pages += 1
        assert len(page.projects) <= 2
        seen += [p.project_id for p in page.projects]
        if not page.HasField("next_page_token"):
            break
        token = page.next_page_token
    assert (seen, pages) == (ids, 3)


def test_page_token_survives_deletion_of_the_last_project_seen(rpc):
    ids = [create(rpc, name=f"p{i}").project_id for i in range(3)]
    page = rpc.call("ListProjects", pb.ListProjectsRequest(page_size=1), pb.ListProjectsResponse)
    rpc.call("DeleteProject", pb.DeleteProjectRequest(project_id=ids[0]), pb.DeleteProjectResponse)
    rest = rpc.call(
        "ListProjects", pb.ListProjectsRequest(page_size=5, page_token=page.next_page_token), pb.ListProjectsResponse
    )
    assert [p.project_id for p in rest.projects] == ids[1:]


def test_list_filters_by_region(rpc):
    east = create(rpc, region_id="us-east-1").project_id
    europe = create(rpc, region_id="eu-central-1").project_id
    for region, expected in (("us-east-1", [east]), ("eu-central-1", [europe]), ("", [east, europe])):
        listed = rpc.call("ListProjects", pb.ListProjectsRequest(region_id=region), pb.ListProjectsResponse)
        assert [p.project_id for p in listed.projects] == expected, region


def test_duplicate_names_and_duplicate_trust_policies_are_separate_objects(rpc):
    first, second = create(rpc, name="same"), create(rpc, name="same")
    assert first.project_id != second.project_id
    github = pb.TrustPolicy.GitHub(repository_owner="o", repository="r")
    ids = {
        rpc.call(
            "AddTrustPolicy",
            pb.AddTrustPolicyRequest(project_id=first.project_id, github=github),
            pb.AddTrustPolicyResponse,
        ).trust_policy.trust_policy_id
        for _ in range(2)
    }
    assert len(ids) == 2


def test_project_token_reads_its_own_project(depot, rpc):
    project = create(rpc)
    token = rpc.call(
        "CreateToken", pb.CreateTokenRequest(project_id=project.project_id, description="b"), pb.CreateTokenResponse
    )
    with Rpc(depot.url, token.secret) as scoped:
        got = scoped.call("GetProject", pb.GetProjectRequest(project_id=project.project_id), pb.GetProjectResponse)
    assert got.project == project
