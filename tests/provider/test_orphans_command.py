"""`pulumi-depot orphans` against the local Depot API, from exported states (`--state FILE`): what it counts as held
(dynamic and native types, a TrustPolicySet's policies), what it lists and revokes, and its exit status. Reading a
stack through `pulumi stack export` under the real CLI: tests/engine/test_fresh_runner_recovery.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi_depot_provider.cli import main
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.token_mark import marked, new_mark

STACK = "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev"


def exported(path: Path, *resources: dict[str, Any]) -> Path:
    """A state as `pulumi stack export --file` writes it (the fields this command reads)."""
    stack = {"urn": STACK, "type": "pulumi:pulumi:Stack"}
    path.write_text(json.dumps({"version": 3, "deployment": {"resources": [stack, *resources]}}))
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["orphans", *args])
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def test_lists_revokes_and_says_so_in_its_exit_status(
    depot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = depot.client()
    project_id = client.create_project("api", "us-east-1").project_id
    other_project = client.create_project("web", "us-east-1").project_id
    github = pb.TrustPolicy.GitHub
    held_policy = client.add_trust_policy(project_id, github=github(repository_owner="acme", repository="api"))
    lost_policy = client.add_trust_policy(project_id, github=github(repository_owner="acme", repository="old"))
    held_token = client.create_token(project_id, "CI builds").token_id
    lost_token = client.create_token(project_id, marked("CI builds", new_mark("shop/dev/depot:ProjectToken//ci")))
    by_hand = client.create_token(other_project, "not checked").token_id  # in no project the state holds
    state = exported(
        tmp_path / "dev.json",
        {"urn": "urn:pulumi:dev::shop::depot:index:Project::api", "type": "depot:index:Project", "id": project_id},
        {
            "urn": "urn:pulumi:dev::shop::depot:index:ProjectToken::ci",
            "type": "depot:index:ProjectToken",
            "id": held_token,
            "outputs": {"project_id": project_id, "secret": {"ciphertext": "v1:..."}},
        },
        {
            "urn": "urn:pulumi:dev::shop::pulumi-python:dynamic/depot:TrustPolicySet::trust",
            "type": "pulumi-python:dynamic/depot:TrustPolicySet",
            "id": "trust",
            "outputs": {"project_id": project_id, "policy_ids": {"github:acme/api": held_policy.trust_policy_id}},
        },
    )

    monkeypatch.delenv("DEPOT_TOKEN", raising=False)
    code, text = run(capsys, "--state", str(state))
    assert code == 2 and "DEPOT_TOKEN is not set" in text
    monkeypatch.setenv("DEPOT_TOKEN", depot.token)
    monkeypatch.setenv("DEPOT_API_URL", depot.url)
    code, text = run(capsys, "--state", str(tmp_path / "missing.json"))
    assert code == 2 and "--state" in text and "Traceback" not in text
    assert run(capsys)[0] == 2  # no stack given: nothing says what is held

    code, text = run(capsys, "--state", str(state))
    assert code == 1, text
    assert f"token {lost_token.token_id} in project {project_id}: " in text
    assert "(made by a create of stack shop/dev)" in text
    assert f"trust policy {lost_policy.trust_policy_id} in project {project_id}: 'github acme/old'" in text
    assert held_token not in text and held_policy.trust_policy_id not in text and by_hand not in text
    assert "2 live object(s) held by no given stack; revoke them with --revoke" in text
    assert lost_token.secret not in text

    code, text = run(capsys, "--state", str(state), "--revoke")
    assert code == 1 and f"revoked token {lost_token.token_id}" in text
    assert [t.token_id for t in client.list_tokens(project_id)] == [held_token]
    assert [p.trust_policy_id for p in client.list_trust_policies(project_id)] == [held_policy.trust_policy_id]

    code, text = run(capsys, "--state", str(state))
    assert code == 0 and "no unheld tokens or trust policies: 1 project(s) checked" in text
    code, text = run(capsys, "--state", str(state), "--project", other_project)
    assert code == 1 and by_hand in text  # --project: the projects to check, whatever the states hold
