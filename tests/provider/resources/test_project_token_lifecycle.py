"""depot:ProjectToken through the real dynamic provider host against the local Depot API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dynamic_host import DynamicProviderHost, HostError, Secret
from engine_steps import EngineResource, assert_one_line_error
from pulumi_depot_provider.client import DepotClient, DepotError
from pulumi_depot_provider.resources.project_token import LEGACY_ADOPTED_SECRET, ProjectTokenProvider

PROJECT_TOKEN = "pulumi-python:dynamic/depot:ProjectToken"


def project_token(host: DynamicProviderHost, name: str = "ci") -> EngineResource:
    return EngineResource(host, ProjectTokenProvider(), PROJECT_TOKEN, name, secret_outputs=["secret"])


def tokens(client: DepotClient, project_id: str) -> dict[str, str]:
    return {token.token_id: token.description for token in client.list_tokens(project_id)}


def secret_of(resource: EngineResource) -> str:
    secret = resource.outputs["secret"]
    assert isinstance(secret, Secret)
    return str(secret.value)


def authenticates(depot: Any, secret: str, project_id: str) -> bool:
    with DepotClient(base_url=depot.url, token=secret) as builds:
        try:
            return builds.get_project(project_id).project_id == project_id
        except DepotError:
            return False


def test_create_noop_update_rotation_drift_recreate_delete(host: DynamicProviderHost, depot: Any) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    other_project_id = client.create_project("web", "us-east-1").project_id
    ci = project_token(host)
    inputs: dict[str, Any] = {"project_id": project_id, "description": "CI builds"}

    assert ci.up(inputs) == "create"
    first_id, first_secret = ci.id, secret_of(ci)
    assert ci.outputs["secret_known"] is True  # a token this stack created: Pulumi holds its secret
    assert tokens(client, project_id) == {first_id: "CI builds"}
    assert authenticates(depot, first_secret, project_id)
    assert ci.diff(inputs).changes == "none"
    assert ci.up(inputs) == "same"

    # description: in place, same token, same secret.
    inputs = {**inputs, "description": "CI builds (main)"}
    diff = ci.diff(inputs)
    assert (diff.changes, diff.replaces) == ("some", [])
    assert ci.up(inputs) == "update"
    assert (ci.id, secret_of(ci)) == (first_id, first_secret)
    assert tokens(client, project_id) == {first_id: "CI builds (main)"}

    # rotation_trigger: a new token exists before the old one is deleted.
    inputs = {**inputs, "rotation_trigger": "2024-Q1"}
    assert ci.diff(inputs).replaces == ["rotation_trigger"]
    assert ci.up(inputs) == "replace"
    assert ci.id != first_id and secret_of(ci) != first_secret
    assert tokens(client, project_id) == {ci.id: "CI builds (main)"}
    assert authenticates(depot, secret_of(ci), project_id)
    assert not authenticates(depot, first_secret, project_id)

    # project_id: replaces.
    assert ci.diff({**inputs, "project_id": other_project_id}).replaces == ["project_id"]
    inputs = {**inputs, "project_id": other_project_id}
    assert ci.up(inputs) == "replace"
    assert tokens(client, project_id) == {}
    assert tokens(client, other_project_id) == {ci.id: "CI builds (main)"}

    # Changed by hand: refresh shows it, up puts the declared description back.
    client.update_token(ci.id, "edited by hand")
    refreshed = ci.refresh()
    assert refreshed.outs["description"] == "edited by hand"
    assert refreshed.inputs is not None and refreshed.inputs["description"] == "edited by hand"
    assert ci.up(inputs) == "update"
    assert tokens(client, other_project_id) == {ci.id: "CI builds (main)"}

    # Deleted by hand: gone on refresh, created again by the next up.
    deleted_id = ci.id
    client.delete_token(deleted_id)
    assert ci.refresh().id == ""
    assert ci.up(inputs) == "create"
    assert ci.id != deleted_id and authenticates(depot, secret_of(ci), other_project_id)

    last_id, last_outputs = ci.id, dict(ci.outputs)
    ci.destroy()
    assert tokens(client, other_project_id) == {}
    host.delete(ci.urn, last_id, last_outputs)  # already gone: success


def test_import_adopts_metadata_and_has_no_secret(
    host: DynamicProviderHost, depot: Any, start_host: Callable[..., DynamicProviderHost]
) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    existing = client.create_token(project_id, "legacy CI")
    adopted = project_token(host)
    inputs = {"project_id": project_id, "description": "CI builds", "import_id": existing.token_id}

    assert adopted.up(inputs) == "create"
    assert adopted.id == existing.token_id
    assert tokens(client, project_id) == {existing.token_id: "CI builds"}
    # Depot cannot show the secret again: no secret output at all (never a placeholder), and secret_known says so.
    assert "secret" not in adopted.outputs and adopted.outputs["secret_known"] is False
    assert existing.secret not in repr(adopted.outputs)
    assert authenticates(depot, existing.secret, project_id)  # adopting does not rotate it
    assert adopted.up(inputs) == "same"
    refreshed = adopted.refresh()
    assert "secret" not in refreshed.outs and refreshed.outs["secret_known"] is False
    assert adopted.up({**inputs, "description": "CI builds (main)"}) == "update"  # in place: still no secret
    assert "secret" not in adopted.outputs and adopted.outputs["secret_known"] is False
    assert adopted.up(inputs) == "update"

    # A replacement the engine forces without Diff (`up --replace`) in the deployment that adopted the token: the
    # replacement's Create adopts it again, and the host then keeps it instead of deleting the "old" one.
    replacement = host.create(adopted.urn, host.check(adopted.urn, {}, adopted.news(inputs)).inputs)
    assert replacement.id == existing.token_id
    host.delete(adopted.urn, adopted.id, adopted.outputs, old_inputs=adopted.inputs)
    assert tokens(client, project_id) == {existing.token_id: "CI builds"}
    assert "not deleted: this deployment adopted it by import_id" in host.output()
    # Every `pulumi up` runs its own provider host: what this one adopted, a later deployment may delete.
    adopted.host = start_host(depot)

    # Rotating while import_id is still declared would adopt the token again and then delete it: refused.
    with pytest.raises(HostError) as refused:
        adopted.up({**inputs, "rotation_trigger": 1})
    assert_one_line_error(
        refused.value,
        depot.token,
        f"depot:ProjectToken 'CI builds' in project {project_id} (id {existing.token_id}): replace refused",
        "rotation_trigger changed",
        f"import_id {existing.token_id!r} is still declared",
        "remove import_id — it only matters at creation — then run up again",
    )
    assert tokens(client, project_id) == {existing.token_id: "CI builds"}

    # Removing import_id changes nothing; then rotating gives the token a secret Pulumi knows.
    without_import = {"project_id": project_id, "description": "CI builds"}
    assert adopted.up(without_import) == "same"
    assert adopted.up({**without_import, "rotation_trigger": 1}) == "replace"
    assert authenticates(depot, secret_of(adopted), project_id)
    assert adopted.outputs["secret_known"] is True
    assert list(tokens(client, project_id)) == [adopted.id]
    assert adopted.id != existing.token_id


def test_import_of_a_missing_token_fails_with_the_fix(host: DynamicProviderHost, depot: Any) -> None:
    project_id = depot.client().create_project("api", "us-east-1").project_id
    with pytest.raises(HostError) as failure:
        project_token(host).up({"project_id": project_id, "description": "CI", "import_id": "nosuchtoken"})
    assert_one_line_error(
        failure.value, depot.token, "depot:ProjectToken 'CI'", "no token with this id", "remove import_id"
    )


def test_a_missing_project_reads_as_gone_and_deletes_cleanly(host: DynamicProviderHost, depot: Any) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    ci = project_token(host)
    ci.up({"project_id": project_id, "description": "CI builds"})
    outputs, token_id = dict(ci.outputs), ci.id

    client.delete_project(project_id)
    host.delete(ci.urn, token_id, outputs)
    assert ci.refresh().id == ""


def test_state_of_an_adopted_token_written_by_an_older_version_migrates_on_read(
    host: DynamicProviderHost, depot: Any
) -> None:
    """Versions before secret_known stored a sentence as an adopted token's secret (and no secret_known): anything
    forwarding `secret` would have handed it on as a token. Refresh, update and delete read it as no secret."""
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    existing = client.create_token(project_id, "legacy CI")
    adopted = project_token(host)
    inputs = {"project_id": project_id, "description": "legacy CI", "import_id": existing.token_id}
    adopted.up(inputs)
    old_state = {key: value for key, value in adopted.outputs.items() if key != "secret_known"}
    old_state["secret"] = Secret(LEGACY_ADOPTED_SECRET)  # as the state of an older version holds it
    assert "not recoverable" in LEGACY_ADOPTED_SECRET  # the sentence those versions wrote

    adopted.outputs = old_state
    refreshed = adopted.refresh()
    assert refreshed.id == existing.token_id
    assert "secret" not in refreshed.outs and refreshed.outs["secret_known"] is False
    assert "not recoverable" not in repr({**refreshed.outs, **(refreshed.inputs or {})})

    # An update without a refresh first migrates as well.
    adopted.outputs = dict(old_state)
    assert adopted.up({**inputs, "description": "CI builds"}) == "update"
    assert "secret" not in adopted.outputs and adopted.outputs["secret_known"] is False
    assert tokens(client, project_id) == {existing.token_id: "CI builds"}

    # A created token's state from before secret_known (its real secret, no secret_known) reads as known.
    created = project_token(host, "created")
    created.up({"project_id": project_id, "description": "new CI"})
    created.outputs = {key: value for key, value in created.outputs.items() if key != "secret_known"}
    refreshed = created.refresh()
    assert refreshed.outs["secret_known"] is True and authenticates(depot, secret_of(created), project_id)
