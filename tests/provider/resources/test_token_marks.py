"""A token's mark in Depot (resources/token_mark.py): what lets a create on another machine (a fresh CI runner, no
create journal) recognise the live token an interrupted create of the same resource left, then revoke it when the
engine has said what the stack holds, or refuse naming it; never silently make another one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dynamic_host import DynamicProviderHost, HostError
from engine_steps import EngineResource
from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider
from pulumi_depot_provider.resources.token_mark import mark_of, marked, new_mark, plain, stack_of

PROJECT_TOKEN = "pulumi-python:dynamic/depot:ProjectToken"
OWNER = "shop/dev/depot:ProjectToken//ci"


@pytest.fixture
def server(start_depot_server: Callable[..., Any]) -> Any:
    return start_depot_server()


@pytest.fixture
def runner(
    server: Any, tmp_path: Path, start_host: Callable[..., DynamicProviderHost]
) -> Callable[[str], DynamicProviderHost]:
    """runner(name): one deployment's provider host on the CI runner `name` (its own create journal)."""

    def start(name: str) -> DynamicProviderHost:
        return start_host(server, env={"PULUMI_DEPOT_JOURNAL_DIR": str(tmp_path / name / "journal")})

    return start


def token(host: DynamicProviderHost, owner: str = OWNER) -> EngineResource:
    return EngineResource(host, ProjectTokenProvider(owner), PROJECT_TOKEN, "ci", secret_outputs=["secret"])


def live(client: DepotClient, project_id: str) -> dict[str, str]:
    return {t.token_id: t.description for t in client.list_tokens(project_id)}


def left_by_a_lost_create(client: DepotClient, project_id: str, description: str, owner: str = OWNER) -> str:
    """What a create of `owner` whose answer never reached the engine (a killed `up`) leaves on a runner that is
    gone: a live token with that create's mark, in no state and no journal here. (tests/engine/
    test_fresh_runner_recovery.py makes one through Depot's faults under the real engine.)"""
    return client.create_token(project_id, marked(description, new_mark(owner))).token_id


def test_the_mark_round_trips_and_names_the_stack() -> None:
    mark = new_mark(OWNER)
    assert mark is not None and mark.made_by(OWNER) and not mark.made_by("shop/dev/depot:ProjectToken//cd")
    assert not mark.made_by("shop/prod/depot:ProjectToken//ci")  # the same resource name in another stack
    stored = marked("CI builds", mark)
    assert stored.startswith("CI builds [pulumi-depot ") and mark_of(stored) == mark and plain(stored) == "CI builds"
    assert mark_of("CI builds") is None and plain("CI builds [pulumi-depot x]") == "CI builds [pulumi-depot x]"
    assert marked("x" * 250, mark) == "x" * 250  # no room for the mark under Depot's 256 characters
    assert new_mark(None) is None
    urn = "urn:pulumi:dev::shop::depot:index:ProjectToken::ci"
    assert stack_of(urn) == stack_of(OWNER) == ("shop", "dev")
    assert new_mark(urn) != new_mark(urn)  # a nonce per create


def test_state_holds_the_declared_description_and_depot_the_mark(server: Any, runner: Callable[..., Any]) -> None:
    client: DepotClient = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    ci = token(runner("a"))
    assert ci.up({"project_id": project_id, "description": "CI builds"}) == "create"
    mark = mark_of(live(client, project_id)[ci.id])
    assert mark is not None and mark.made_by(OWNER)
    assert ci.outputs["description"] == "CI builds"
    assert ci.refresh().outs["description"] == "CI builds"  # no drift from the mark
    assert ci.up({"project_id": project_id, "description": "CI and CD"}) == "update"
    assert live(client, project_id)[ci.id] == marked("CI and CD", mark)  # the same mark, kept


def test_a_fresh_runner_refuses_naming_the_leftover_then_creates_once_it_is_revoked(
    server: Any, runner: Callable[..., Any]
) -> None:
    """No journal on the new runner and no word from the engine about what the stack holds: the create is refused,
    naming the token (id, description) and the fix; nothing new is made. Tokens of other resources, and tokens
    made outside Pulumi with the same description, are no concern of this create."""
    client: DepotClient = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    inputs = {"project_id": project_id, "description": "CI builds"}
    by_hand = client.create_token(project_id, "CI builds").token_id
    other = token(runner("a"), owner="shop/dev/depot:ProjectToken//cd")
    assert other.up(inputs) == "create"
    orphan = left_by_a_lost_create(client, project_id, "CI builds")

    with pytest.raises(HostError) as refused:
        token(runner("b")).up(inputs)
    details = refused.value.details
    assert f"{orphan} ({live(client, project_id)[orphan]!r})" in details
    assert "pulumi-depot orphans --stack dev --revoke" in details
    assert set(live(client, project_id)) == {by_hand, other.id, orphan}  # nothing created, nothing removed

    client.delete_token(orphan)  # what `pulumi-depot orphans --revoke` does
    again = token(runner("b"))
    assert again.up(inputs) == "create"
    assert set(live(client, project_id)) == {by_hand, other.id, again.id}


def test_a_replacement_after_diff_revokes_the_leftover_and_keeps_the_token_it_replaces(
    server: Any, runner: Callable[..., Any]
) -> None:
    """The engine's Diff says which token the stack holds: the marked one it does not hold came from an interrupted
    create of this resource and is revoked (a warning names it); the held one stays until the engine deletes it."""
    client: DepotClient = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    inputs = {"project_id": project_id, "description": "CI builds"}
    ci = token(runner("a"))
    assert ci.up(inputs) == "create"
    held = ci.id
    orphan = left_by_a_lost_create(client, project_id, "CI builds")  # by an earlier rotation

    rotated = token(runner("b"))
    rotated.id, rotated.inputs, rotated.outputs = ci.id, ci.inputs, ci.outputs
    assert rotated.up({**inputs, "rotation_trigger": 1}) == "replace"
    assert set(live(client, project_id)) == {rotated.id}
    assert held != rotated.id and orphan != rotated.id
    assert f"revoked token {orphan}" in rotated.host.output()


def test_an_adopted_leftover_becomes_the_adopters_and_is_no_longer_anothers(
    server: Any, runner: Callable[..., Any]
) -> None:
    """Adopting (import_id) the token a lost create of `ci` left: the adopter's mark replaces ci's, so the next
    create of ci, on any runner, is not refused over a token another resource now holds."""
    client: DepotClient = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    left = left_by_a_lost_create(client, project_id, "CI builds")
    adopter = token(runner("a"), owner="shop/dev/depot:ProjectToken//adopted")
    assert adopter.up({"project_id": project_id, "description": "CI builds", "import_id": left}) == "create"
    mark = mark_of(live(client, project_id)[left])
    assert mark is not None and mark.made_by("shop/dev/depot:ProjectToken//adopted")
    assert plain(live(client, project_id)[left]) == "CI builds"

    ci = token(runner("b"))
    assert ci.up({"project_id": project_id, "description": "CI builds"}) == "create"
    assert set(live(client, project_id)) == {left, ci.id}


def test_up_replace_on_a_fresh_runner_is_refused_until_a_preview_there_records_the_token_it_replaces(
    server: Any, runner: Callable[..., Any]
) -> None:
    """`pulumi up --replace` (or a taint) creates the replacement with neither Diff nor old inputs: on a runner
    that never saw the stack, the token it replaces is as unknown as a leftover, and the create is refused. A
    preview there first (its Diff records what the stack holds) lets it through, keeping the old token for the
    engine to delete."""
    client: DepotClient = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    inputs = {"project_id": project_id, "description": "CI builds"}
    ci = token(runner("a"))
    assert ci.up(inputs) == "create"

    def replace_on(host: DynamicProviderHost) -> str:
        fresh = token(host)
        return host.create(fresh.urn, fresh.check(inputs).inputs).id

    with pytest.raises(HostError, match=f"create refused: live token\\(s\\) {ci.id} "):
        replace_on(runner("b"))
    preview = token(runner("b"))
    preview.id, preview.inputs, preview.outputs = ci.id, ci.inputs, ci.outputs
    assert preview.diff(inputs, preview=True).changes == "none"
    replacement = replace_on(runner("b"))
    assert set(live(client, project_id)) == {ci.id, replacement}
