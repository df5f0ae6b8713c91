"""Fast checks of the native front end's own pieces: property value conversions, detailed diffs by the resource
diff rules, the policy-set diff per key, the URN's type, the thread count and the servicer's one-line failures."""

from __future__ import annotations

from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import PropertyDiffKind
from pulumi.runtime import rpc
from pulumi_depot_provider.native import details
from pulumi_depot_provider.native.names import to_core, to_wire, wire_path, wire_reason
from pulumi_depot_provider.native.provider import resource_type, worker_count
from pulumi_depot_provider.native.server import failure_message
from pulumi_depot_provider.native.values import plain_map, property_map, secret_keys
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.diffs import Detail, key_path
from pulumi_depot_provider.resources.project import ProjectArgs, ProjectResource
from pulumi_depot_provider.resources.session import Session
from pulumi_depot_provider.resources.trust_policy_set import (
    TrustPolicyEntry,
    TrustPolicySetState,
    plan,
    policy_set_details,
)
from pulumi_depot_provider.resources.values import DepotResourceError

KINDS = PropertyDiffKind


def kinds(detail: Detail) -> dict[str, PropertyDiffKind]:
    """The core's detail as the engine gets it."""
    return {path: entry.kind for path, entry in details.property_diffs(detail).items()}


def field_details(resource: ProjectResource, olds: dict[str, Any], news: dict[str, Any]) -> Detail:
    return resource.detailed_diff(resource.diff_properties(olds, news), olds, news)


def test_values_round_trip_with_numbers_as_doubles_secrets_and_unknowns() -> None:
    given = {
        "name": PropertyValue("api", is_secret=True),
        "cache_policy": PropertyValue({"keep_gb": PropertyValue(50.0)}),
        "project_id": PropertyValue(Computed()),
    }
    values = plain_map(given)
    assert values == {"name": "api", "cache_policy": {"keep_gb": 50.0}, "project_id": rpc.UNKNOWN}
    assert secret_keys(given) == {"name"}
    back = property_map({**values, "cache_policy": {"keep_gb": 50}}, secret={"name"})
    assert back["name"] == PropertyValue("api", is_secret=True)
    assert back["cache_policy"] == PropertyValue({"keep_gb": PropertyValue(50.0)})  # an int travels as a double
    assert back["project_id"].value == rpc.UNKNOWN  # marshalled as the engine's unknown sentinel


def test_project_detail_names_declared_sub_fields_and_replacements() -> None:
    provider = ProjectResource(Session())
    olds = {
        "name": "api",
        "region": "us-east-1",
        "cache_policy": {"keep_gb": 50, "keep_days": 14, "keep_bytes": 50 * 1024**3},
        "hardware": "HARDWARE_4X4",
        "organization_id": "org1",
    }
    news: dict[str, Any] = {"name": "web", "region": "us-east-1", "cache_policy": {"keep_gb": 100}}
    assert kinds(field_details(provider, olds, news)) == {
        "name": KINDS.UPDATE,
        "cache_policy.keep_gb": KINDS.UPDATE,
    }  # hardware and organization_id left out: whatever Depot has, never a change
    news |= {"organization_id": "org2", "cache_reset_trigger": "2024-06-01"}
    assert kinds(field_details(provider, olds, news)) == {
        "name": KINDS.UPDATE,
        "cache_policy.keep_gb": KINDS.UPDATE,
        "organization_id": KINDS.UPDATE_REPLACE,
        "cache_reset_trigger": KINDS.ADD,
    }
    assert kinds(field_details(provider, {**olds, "cache_reset_trigger": "x"}, olds)) == {
        "cache_reset_trigger": KINDS.DELETE
    }


def entry(owner: str, repository: str) -> TrustPolicyEntry:
    return TrustPolicyEntry.model_validate({"github": {"repository_owner": owner, "repository": repository}})


def live(policy_id: str, owner: str, repository: str) -> pb.TrustPolicy:
    github = pb.TrustPolicy.GitHub(repository_owner=owner, repository=repository)
    return pb.TrustPolicy(trust_policy_id=policy_id, github=github)


def test_policy_set_detail_is_one_entry_per_key() -> None:
    declared = [entry("acme", "app"), entry("acme", "web")]
    steps = plan(declared, [live("p1", "acme", "app"), live("p2", "evil-org", "backdoor")], {"github:acme/app": "p1"})
    olds = {"granted": {"github:acme/app": "GitHub repository acme/app"}}
    news = {"granted": {e.key(): "" for e in declared}}
    assert kinds(policy_set_details([], steps, olds, news)) == {
        'granted["github:acme/web"]': KINDS.ADD,
        'granted["github:evil-org/backdoor"]': KINDS.DELETE,
    }
    assert kinds(policy_set_details(["project_id"], None, olds, news)) == {"project_id": KINDS.UPDATE_REPLACE}
    assert key_path("granted", 'a"b') == 'granted["a\\"b"]'


def test_ignore_changes_drops_the_entries_under_it() -> None:
    detail = field_details(
        ProjectResource(Session()),
        {"name": "a", "cache_policy": {"keep_gb": 1}},
        {"name": "b", "cache_policy": {"keep_gb": 2}},
    )
    assert list(details.without_ignored(details.property_diffs(detail), ["cache_policy"])) == ["name"]


def test_resource_type_of_a_child_urn() -> None:
    assert resource_type("urn:pulumi:dev::proj::depot:index:Project::api") == "depot:index:Project"
    assert resource_type("urn:pulumi:dev::proj::my:Tenant$depot:index:Project::api") == "depot:index:Project"


def test_worker_count_from_the_environment() -> None:
    assert worker_count({"PULUMI_DEPOT_PROVIDER_THREADS": "64", "PULUMI_PARALLEL": "8"}) == 64
    assert worker_count({"PULUMI_PARALLEL": "32"}) == 32
    assert worker_count({"PULUMI_DEPOT_PROVIDER_THREADS": "many"}) >= 16


def wrapped_like_the_sdk(error: Exception) -> Exception:
    """What the SDK's servicer raises for a failed call: a plain Exception, message and stack, in `except`."""
    try:
        raise error
    except Exception as failed:
        try:
            raise Exception(f"{failed}:\n  File ...")  # as the SDK does: chained implicitly
        except Exception as outer:
            return outer


def test_failure_message_is_the_resource_codes_line() -> None:
    line = "depot:Project 'api': create failed (CreateProject): unavailable: down"
    assert failure_message(wrapped_like_the_sdk(DepotResourceError(line))) == line
    assert failure_message(wrapped_like_the_sdk(ZeroDivisionError("division by zero"))) == (
        "internal error in pulumi-resource-depot: ZeroDivisionError: division by zero"
    )


def test_names_map_fields_to_the_schemas_camel_case_and_back_leaving_map_keys_alone() -> None:
    state = {
        "project_id": "p",
        "policies": [{"github": {"repository_owner": "acme", "repository": "app"}}],
        "granted": {"github:acme/app_x": "GitHub repository acme/app_x"},
        "declared_inputs": ["policies"],
    }
    wire = to_wire(TrustPolicySetState, state)
    assert wire == {
        "projectId": "p",
        "policies": [{"github": {"repositoryOwner": "acme", "repository": "app"}}],
        "granted": {"github:acme/app_x": "GitHub repository acme/app_x"},
        "declaredInputs": ["policies"],
    }
    assert to_core(TrustPolicySetState, wire) == state == to_core(TrustPolicySetState, state)  # old state: itself
    given = {"cachePolicy": PropertyValue({"keepGb": PropertyValue(50.0)}, is_secret=True), "typo_Name": 1}
    assert to_core(ProjectArgs, given) == {  # the engine's values keep their secrecy; unknown keys stay for check
        "cache_policy": PropertyValue({"keep_gb": PropertyValue(50.0)}, is_secret=True),
        "typo_Name": 1,
    }
    assert wire_path("policies[0].github.repository_owner") == "policies[0].github.repositoryOwner"
    assert wire_path('granted["github:a_b/c.d"]') == 'granted["github:a_b/c.d"]'
    assert wire_reason("cache_policy.keepGbb: unknown property 'keepGbb'; allowed here: keep_gb, keep_days") == (
        "cachePolicy.keepGbb: unknown property 'keepGbb'; allowed here: keepGb, keepDays"
    )
