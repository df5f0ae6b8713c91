"""A create whose answer never arrived, and the next up: recovered from the create journal when it provably came from
this resource, refused (naming the object and import_id) when it did not; and the look-up that outlasts an outage.

Each scenario makes the create commit and then answer `unavailable` while the look-up for what it created keeps
failing, so the first up ends with the object in Depot and nothing recorded, as a killed `up` would leave it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dynamic_host import DynamicProviderHost, HostError
from engine_steps import EngineResource
from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.config import PROVIDER_RETRY
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.project import ProjectProvider
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider

PROJECT = "pulumi-python:dynamic/depot:Project"
TRUST_POLICY = "pulumi-python:dynamic/depot:TrustPolicy"
PROJECT_TOKEN = "pulumi-python:dynamic/depot:ProjectToken"
GITHUB = {"repository_owner": "acme", "repository": "api"}
# After the commit, every call fails for longer than the look-up budget: the create cannot learn what it did.
OUTAGE = 1_000


@pytest.fixture
def server(start_depot_server: Callable[..., Any]) -> Any:
    return start_depot_server()


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "journal"


@pytest.fixture
def start(
    server: Any, journal: Path, start_host: Callable[..., DynamicProviderHost]
) -> Callable[..., DynamicProviderHost]:
    """A provider host (one deployment) with a short look-up budget, on this machine's journal by default."""

    def start_one(journal_dir: Path = journal) -> DynamicProviderHost:
        return start_host(
            server, env={"PULUMI_DEPOT_JOURNAL_DIR": str(journal_dir), "PULUMI_DEPOT_LOOKUP_SECONDS": "1"}
        )

    return start_one


def calls(server: Any, method: str) -> int:
    return int(server.stats().get(method, {"calls": 0})["calls"])


def interrupted_up(server: Any, resource: EngineResource, inputs: dict[str, Any], method: str) -> str:
    """The first up: `method` commits and fails, every look-up fails; returns the failure's details."""
    server.set_faults(commit_then_unavailable_next={method: 1}, outage_after_commit=OUTAGE)
    with pytest.raises(HostError) as failed:
        resource.up(inputs)
    server.set_faults()
    return failed.value.details


OWNER = "shop/dev/depot:Project//api"


def project(owner: str = OWNER) -> ProjectProvider:
    return ProjectProvider(owner)


def test_project_left_by_an_interrupted_create_is_recovered(server: Any, start: Callable[..., Any]) -> None:
    client: DepotClient = server.client()
    inputs = {"name": "api", "region": "us-east-1"}

    first = EngineResource(start(), project(), PROJECT, "api")
    details = interrupted_up(server, first, inputs, "CreateProject")
    assert "could not be learnt within 1 s" in details and "run `up` again to recover it" in details
    [left] = [p for p in client.list_projects() if p.name == "api"]

    server.reset_stats()
    again = EngineResource(start(), project(), PROJECT, "api")  # the next deployment, same resource
    assert again.up({**inputs, "hardware": "HARDWARE_8X8"}) == "create"

    assert again.id == left.project_id
    assert [p.project_id for p in client.list_projects() if p.name == "api"] == [left.project_id]
    assert calls(server, "CreateProject") == 0
    assert client.get_project(left.project_id).hardware == pb.HARDWARE_8X8  # declared settings applied
    assert f"recovered project {left.project_id}" in again.host.output()


def test_without_the_journal_the_same_name_is_refused(server: Any, start: Callable[..., Any], tmp_path: Path) -> None:
    """Another machine (another CI runner) cannot prove where the project came from: it names it and the fix."""
    client: DepotClient = server.client()
    inputs = {"name": "api", "region": "us-east-1"}
    interrupted_up(server, EngineResource(start(), project(), PROJECT, "api"), inputs, "CreateProject")
    [left] = [p.project_id for p in client.list_projects() if p.name == "api"]

    elsewhere = EngineResource(start(tmp_path / "other-machine"), project(), PROJECT, "api")
    with pytest.raises(HostError) as refused:
        elsewhere.up(inputs)
    assert f"import_id={left!r}" in refused.value.details
    assert [p.project_id for p in client.list_projects() if p.name == "api"] == [left]


def test_another_resource_does_not_recover_it(server: Any, start: Callable[..., Any]) -> None:
    client: DepotClient = server.client()
    inputs = {"name": "api", "region": "us-east-1"}
    interrupted_up(server, EngineResource(start(), project(), PROJECT, "api"), inputs, "CreateProject")

    other = EngineResource(start(), project("shop/dev/depot:Project//api-copy"), PROJECT, "api-copy")
    with pytest.raises(HostError, match="create refused"):
        other.up(inputs)
    assert len([p for p in client.list_projects() if p.name == "api"]) == 1


def test_a_replacement_beside_the_project_it_replaces_is_not_a_collision(
    server: Any, start: Callable[..., Any]
) -> None:
    """A create-before-delete replacement creates the new project while the one it replaces, of the same name,
    still exists. After a diff (a replacing change, or any earlier preview or up) the provider knows that project
    is the stack's own: not refused. Another resource of the same deployment is still refused that name."""
    client: DepotClient = server.client()
    inputs = {"name": "api", "region": "us-east-1"}
    first = EngineResource(start(), project(), PROJECT, "api")
    assert first.up(inputs) == "create"
    old_id = first.id
    host = start()  # the next deployment
    api = EngineResource(host, project(), PROJECT, "api")
    api.id, api.inputs, api.outputs = first.id, first.inputs, first.outputs
    assert api.diff(inputs).changes == "none"
    replacement = host.create(api.urn, api.check(inputs).inputs)
    assert replacement.id != old_id
    assert sorted(p.project_id for p in client.list_projects() if p.name == "api") == sorted([old_id, replacement.id])

    other = EngineResource(host, project("shop/dev/depot:Project//api-copy"), PROJECT, "api-copy")
    with pytest.raises(HostError, match="create refused"):
        other.up(inputs)
    host.delete(api.urn, old_id, api.outputs, old_inputs=api.inputs)
    assert [p.project_id for p in client.list_projects() if p.name == "api"] == [replacement.id]


def test_up_replace_right_after_the_create_keeps_the_project_and_says_so(
    server: Any, start: Callable[..., Any]
) -> None:
    """`pulumi up --replace` right after the `up` that created the project: the engine neither checks with the old
    inputs nor diffs before it creates the replacement, so the journal still holds the record of the project's own
    create, which no provider can tell from an interrupted create (the program receiving the id proves nothing:
    create_journal.py). The replacement recovers that project; the engine's delete of the old copy, by the same id,
    is then refused with a warning rather than deleting what the stack now holds. The next replacement is real."""
    client: DepotClient = server.client()
    inputs = {"name": "api", "region": "us-east-1"}
    first = EngineResource(start(), project(), PROJECT, "api")
    assert first.up(inputs) == "create"
    old_id = first.id

    host = start()  # `up --replace`: check without old inputs, create, delete the old copy
    replacement = host.create(first.urn, host.check(first.urn, {}, first.news(inputs)).inputs)
    assert replacement.id == old_id
    host.delete(first.urn, old_id, first.outputs, old_inputs=first.inputs)
    assert [p.project_id for p in client.list_projects() if p.name == "api"] == [old_id]
    assert "not deleted, and not replaced" in host.output() and "run the replacement again" in host.output()

    host = start()  # the same command again: the journal now knows the stack holds the project
    replacement = host.create(first.urn, host.check(first.urn, {}, first.news(inputs)).inputs)
    assert replacement.id != old_id
    host.delete(first.urn, old_id, first.outputs, old_inputs=first.inputs)
    assert [p.project_id for p in client.list_projects() if p.name == "api"] == [replacement.id]


def test_trust_policy_left_by_an_interrupted_create_is_recovered(server: Any, start: Callable[..., Any]) -> None:
    client: DepotClient = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    inputs = {"project_id": project_id, "github": GITHUB}
    owner = "shop/dev/depot:TrustPolicy//gh"

    interrupted_up(
        server, EngineResource(start(), TrustPolicyProvider(owner), TRUST_POLICY, "gh"), inputs, "AddTrustPolicy"
    )
    [left] = [p.trust_policy_id for p in client.list_trust_policies(project_id)]

    server.reset_stats()
    again = EngineResource(start(), TrustPolicyProvider(owner), TRUST_POLICY, "gh")
    assert again.up(inputs) == "create"
    assert again.id == left
    assert [p.trust_policy_id for p in client.list_trust_policies(project_id)] == [left]
    assert calls(server, "AddTrustPolicy") == 0


def test_token_left_by_an_interrupted_create_is_deleted(server: Any, start: Callable[..., Any]) -> None:
    """Its secret was never recorded: it is deleted (no extra valid token) and a new one made; a token that merely
    shares the description is left alone."""
    client: DepotClient = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    unrelated = client.create_token(project_id, "CI builds").token_id
    inputs = {"project_id": project_id, "description": "CI builds"}
    owner = "shop/dev/depot:ProjectToken//ci"

    first = EngineResource(start(), ProjectTokenProvider(owner), PROJECT_TOKEN, "ci", secret_outputs=["secret"])
    interrupted_up(server, first, inputs, "CreateToken")
    [orphan] = [t.token_id for t in client.list_tokens(project_id) if t.token_id != unrelated]

    again = EngineResource(start(), ProjectTokenProvider(owner), PROJECT_TOKEN, "ci", secret_outputs=["secret"])
    assert again.up(inputs) == "create"
    assert sorted(t.token_id for t in client.list_tokens(project_id)) == sorted([unrelated, again.id])
    assert orphan != again.id
    assert f"removed token {orphan}" in again.host.output()
    with DepotClient(base_url=server.url, token=again.outputs["secret"].value) as builds:
        assert builds.get_project(project_id).project_id == project_id


def test_up_replace_right_after_the_create_revokes_the_token_and_makes_a_new_one(
    server: Any, start: Callable[..., Any]
) -> None:
    """The token's case of `pulumi up --replace` right after its create (see the project's above): the journal's
    record cannot be told from an interrupted create, and a token left by one is revoked, so the replacement revokes
    the token the stack holds and makes a new one at once. The engine's delete of the old copy finds it gone. One
    live token at the end, the one the stack holds, and it works."""
    client: DepotClient = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    inputs = {"project_id": project_id, "description": "CI builds"}
    owner = "shop/dev/depot:ProjectToken//ci"
    first = EngineResource(start(), ProjectTokenProvider(owner), PROJECT_TOKEN, "ci", secret_outputs=["secret"])
    assert first.up(inputs) == "create"
    old_id = first.id

    host = start()  # `up --replace`: check without old inputs, create, delete the old copy
    replacement = host.create(first.urn, host.check(first.urn, {}, first.news(inputs)).inputs)
    assert replacement.id != old_id
    assert [t.token_id for t in client.list_tokens(project_id)] == [replacement.id]
    host.delete(first.urn, old_id, first.outputs, old_inputs=first.inputs)
    assert [t.token_id for t in client.list_tokens(project_id)] == [replacement.id]
    with DepotClient(base_url=server.url, token=replacement.outs["secret"]) as builds:
        assert builds.get_project(project_id).project_id == project_id


def test_look_up_outlasts_an_outage(server: Any, start_host: Callable[..., DynamicProviderHost]) -> None:
    """The repro of the issue: CreateProject commits, then ListProjects is unavailable for longer than the client's
    own retries (PROVIDER_RETRY: 10 attempts per call). The create keeps looking with backoff and finds its
    project."""
    client: DepotClient = server.client()
    host = start_host(server)  # the default look-up budget
    outage = PROVIDER_RETRY.max_attempts + 2  # the first look-up call fails outright; a later one succeeds
    server.set_faults(commit_then_unavailable_next={"CreateProject": 1}, outage_after_commit=outage)

    api = EngineResource(host, project(), PROJECT, "api")
    assert api.up({"name": "api", "region": "us-east-1"}) == "create"

    assert [p.project_id for p in client.list_projects() if p.name == "api"] == [api.id]
    assert "looking for what CreateProject created" in host.output()


def test_journal_record_is_removed_once_the_engine_holds_the_resource(
    server: Any, start: Callable[..., Any], journal: Path
) -> None:
    api = EngineResource(start(), project(), PROJECT, "api")
    api.up({"name": "api", "region": "us-east-1"})
    assert len(list(journal.glob("*.json"))) == 1  # answered, but not yet known to be in the state
    assert api.up({"name": "api", "region": "us-east-1"}) == "same"  # diff: the engine holds it
    assert list(journal.glob("*.json")) == []


def test_project_creates_list_the_organization_once_per_deployment(server: Any, start: Callable[..., Any]) -> None:
    """The duplicate guard costs one listing per provider process, not one per create (issue 9)."""
    client: DepotClient = server.client()
    for number in range(30):
        client.create_project(f"existing-{number}", "us-east-1")
    server.reset_stats()

    host = start()
    for number in range(10):
        resource = EngineResource(host, project(f"shop/dev/depot:Project//new-{number}"), PROJECT, f"new-{number}")
        resource.up({"name": f"new-{number}", "region": "us-east-1"})

    assert calls(server, "CreateProject") == 10
    assert calls(server, "ListProjects") == 1


def test_two_resources_of_one_deployment_with_one_name(server: Any, start: Callable[..., Any]) -> None:
    host = start()
    first = EngineResource(host, project("shop/dev/depot:Project//a"), PROJECT, "a")
    first.up({"name": "api", "region": "us-east-1"})
    second = EngineResource(host, project("shop/dev/depot:Project//b"), PROJECT, "b")
    with pytest.raises(HostError) as refused:
        second.up({"name": "api", "region": "us-east-1"})
    assert f"project {first.id} is already named 'api' in us-east-1" in refused.value.details


def test_refresh_of_many_projects_reads_one_listing(server: Any, start: Callable[..., Any]) -> None:
    """Beyond the first few reads of a process, projects are read from one listing (issue 9: refresh cost), and a
    project this process changed since that listing reads as it left it."""
    host = start()
    resources = []
    for number in range(30):
        resource = EngineResource(host, project(f"shop/dev/depot:Project//p-{number}"), PROJECT, f"p-{number}")
        resource.up({"name": f"p-{number}", "region": "us-east-1"})
        resources.append(resource)
    server.reset_stats()

    for resource in resources:
        assert resource.refresh().id == resource.id
    assert calls(server, "GetProject") == 10 and calls(server, "ListProjects") == 1

    assert resources[1].up({"name": "p-1-renamed", "region": "us-east-1"}) == "update"  # changed by this process
    resources[1].refresh()
    assert resources[1].outputs["name"] == "p-1-renamed"  # read as it left it, not as the listing had it
    assert calls(server, "ListProjects") == 1
