"""The client's ledger of the projects it created (client/ledger.py), against the local Depot API: what it answers
for, and that it stops answering once it cannot account for a project."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_depot_provider.client import DepotError, RetryPolicy
from pulumi_depot_provider.proto import pb

GITHUB = pb.TrustPolicy.GitHub(repository_owner="acme", repository="api")


def token_ids(tokens: list[pb.ListTokensResponse.Token] | None) -> list[tuple[str, str]] | None:
    return None if tokens is None else sorted((t.token_id, t.description) for t in tokens)


def test_a_created_project_is_empty_and_then_holds_what_the_client_put_on_it(depot: Any) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    assert (client.ledger.tokens(project_id), client.ledger.trust_policies(project_id)) == ([], [])

    ci = client.create_token(project_id, "CI builds").token_id
    deploy = client.create_token(project_id, "deploys").token_id
    client.update_token(deploy, "deploys (prod)")
    client.delete_token(ci)
    policy = client.add_trust_policy(project_id, github=GITHUB)
    other = client.add_trust_policy(project_id, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="web"))
    client.remove_trust_policy(project_id, other.trust_policy_id)

    # What Depot lists, exactly.
    assert token_ids(client.ledger.tokens(project_id)) == token_ids(client.list_tokens(project_id))
    assert token_ids(client.ledger.tokens(project_id)) == [(deploy, "deploys (prod)")]
    assert client.ledger.trust_policies(project_id) == client.list_trust_policies(project_id) == [policy]


def test_projects_it_did_not_create_are_not_answered_for(depot: Any) -> None:
    creator, other = depot.client(), depot.client()
    project_id = creator.create_project("api", "us-east-1").project_id
    assert other.ledger.tokens(project_id) is None
    assert other.ledger.trust_policies(project_id) is None
    other.create_token(project_id, "CI builds")  # through another client: that one still does not answer
    assert other.ledger.tokens(project_id) is None


@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("CreateToken", lambda client, project_id: client.create_token(project_id, "CI builds")),
        ("AddTrustPolicy", lambda client, project_id: client.add_trust_policy(project_id, github=GITHUB)),
    ],
)
def test_a_failed_call_on_a_project_drops_it(start_depot_server: Any, method: str, call: Any) -> None:
    """Committed, then answered unavailable: the call may have changed the project, so the ledger stops answering
    (the exactly-once creates then list it)."""
    server = start_depot_server()
    client = server.client()
    project_id = client.create_project("api", "us-east-1").project_id
    server.set_faults(commit_then_unavailable_next={method: 1})
    with pytest.raises(DepotError) as failed:
        call(client, project_id)
    assert failed.value.ambiguous
    assert client.ledger.tokens(project_id) is None
    assert client.ledger.trust_policies(project_id) is None


def test_a_failed_token_delete_drops_the_project_that_holds_it(start_depot_server: Any) -> None:
    server = start_depot_server()
    client = server.client(retry=RetryPolicy(max_attempts=1))
    project_id = client.create_project("api", "us-east-1").project_id
    token_id = client.create_token(project_id, "CI builds").token_id
    server.set_faults(unavailable_next={"DeleteToken": 1})
    with pytest.raises(DepotError):
        client.delete_token(token_id)
    assert client.ledger.tokens(project_id) is None


def test_a_deleted_project_is_forgotten(depot: Any) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    client.delete_project(project_id)
    assert client.ledger.tokens(project_id) is None
