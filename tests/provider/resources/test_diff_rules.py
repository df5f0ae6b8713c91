"""The diff rules and UpdateProject's request, in isolation (no host, no server)."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.diffs import PropertyDiff, diff_inputs
from pulumi_depot_provider.resources.project import ProjectArgs, ProjectState, update_fields
from pulumi_depot_provider.resources.project_token import ProjectTokenArgs
from pulumi_depot_provider.resources.trust_policy import TrustPolicyArgs
from pulumi_depot_provider.resources.values import UNKNOWN

GIB = 1024**3
OLD_PROJECT: dict[str, Any] = {
    "name": "api",
    "region": "us-east-1",
    "cache_policy": {"keep_gb": 50.0, "keep_days": 14.0, "keep_bytes": 50.0 * GIB},
    "hardware": "HARDWARE_UNSPECIFIED",
    "organization_id": "org1",
    "created_at": "2024-01-01T00:00:00Z",
    "cache_reset_trigger": "a",
}


@pytest.mark.parametrize(
    ("news", "changed", "replaced"),
    [
        ({"name": "api", "region": "us-east-1", "cache_reset_trigger": "a"}, (), ()),
        ({"name": "web", "region": "us-east-1", "cache_reset_trigger": "a"}, ("name",), ()),
        ({"name": "api", "region": "us-east-1"}, ("cache_reset_trigger",), ()),
        (
            {"name": "api", "region": "us-east-1", "cache_reset_trigger": "a", "cache_policy": {"keep_days": 7}},
            ("cache_policy",),
            (),
        ),
        (
            {"name": "api", "region": "us-east-1", "cache_reset_trigger": "a", "organization_id": "org2"},
            ("organization_id",),
            ("organization_id",),
        ),
        ({"name": UNKNOWN, "region": "us-east-1", "cache_reset_trigger": "a"}, ("name",), ()),
        ({"name": "api", "region": "us-east-1", "cache_reset_trigger": "a", "import_id": "other"}, (), ()),
    ],
)
def test_project_diff(news: dict[str, Any], changed: tuple[str, ...], replaced: tuple[str, ...]) -> None:
    assert diff_inputs(ProjectArgs, OLD_PROJECT, news) == PropertyDiff(changed, replaced)


def test_every_trust_policy_change_replaces_and_tokens_replace_on_project_and_rotation() -> None:
    old = {"project_id": "p", "github": {"repository_owner": "acme", "repository": "api"}}
    new = {"project_id": "p", "buildkite": {"organization_slug": "acme", "pipeline_slug": "ci"}}
    assert diff_inputs(TrustPolicyArgs, old, new) == PropertyDiff(("github", "buildkite"), ("github", "buildkite"))
    token = {"project_id": "p", "description": "CI", "secret": "s"}
    assert diff_inputs(ProjectTokenArgs, token, {**token, "description": "CD"}) == PropertyDiff(("description",), ())
    rotated = {**token, "rotation_trigger": 2}
    assert diff_inputs(ProjectTokenArgs, token, rotated) == PropertyDiff(("rotation_trigger",), ("rotation_trigger",))
    assert diff_inputs(ProjectTokenArgs, {**token, "rotation_trigger": 2.0}, rotated) == PropertyDiff()


def test_update_project_sends_only_what_changed() -> None:
    old = ProjectState.model_validate(OLD_PROJECT)
    new = ProjectArgs(name="api", region="us-east-1", cache_policy={"keep_gb": 80}, cache_reset_trigger="a")
    fields = update_fields(new, old, diff_inputs(ProjectArgs, OLD_PROJECT, new.declared()))
    assert fields == {"cache_policy": pb.CachePolicy(keep_gb=80, keep_days=14)}

    renamed = ProjectArgs(name="web", region="eu-central-1", hardware="HARDWARE_4X4")
    fields = update_fields(renamed, old, diff_inputs(ProjectArgs, OLD_PROJECT, renamed.declared()))
    assert fields == {"name": "web", "region_id": "eu-central-1", "hardware": pb.Hardware.Value("HARDWARE_4X4")}


def test_hardware_names_are_depots() -> None:
    from typing import get_args

    from pulumi_depot_provider.resources.project import HardwareName

    assert list(get_args(HardwareName)) == list(pb.Hardware.keys())
