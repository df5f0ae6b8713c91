"""examples/github-trust through a full cycle under the real `pulumi`, and its bad-config errors."""

from __future__ import annotations

import json

import example_cycles
import pytest
from conftest import MakeExampleStack
from example_cycles import Org
from pulumi.automation import CommandError
from pulumi_stack import without_cancelled_program


def test_github_trust_full_cycle(example_stack: MakeExampleStack, depot: Org) -> None:
    example_cycles.github_trust(example_stack("github-trust"), depot)


@pytest.mark.parametrize(
    ("repositories", "message"),
    [
        (None, "Missing required configuration variable 'depot-github-trust:repositories'"),
        (json.dumps([]), 'config repositories: give a JSON list of "owner/name" strings'),
        (json.dumps(["acme/api", "acme"]), "config repositories: 'acme' is not \"owner/name\""),
    ],
)
def test_github_trust_rejects_bad_repositories_before_creating_anything(
    example_stack: MakeExampleStack,
    depot: Org,
    repositories: str | None,
    message: str,
) -> None:
    deployer = example_stack("github-trust")
    if repositories is not None:
        deployer.set_config("repositories", repositories)
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace("[", r"\[")) as failure:
        deployer.up()
    assert "Traceback" not in without_cancelled_program(str(failure.value))
    assert depot.client().list_projects() == []


def test_the_allowed_trust_guardrail_stops_an_unlisted_owner_at_preview(
    example_stack: MakeExampleStack, depot: Org
) -> None:
    deployer = example_stack("github-trust")
    deployer.set_config("depot:allowedTrust", json.dumps({"github": ["acme"]}))
    deployer.set_config("repositories", json.dumps(["acme/api", "intruder/app"]))
    with pytest.raises(CommandError, match="intruder") as failure:
        deployer.preview()
    assert "acme" in str(failure.value)
    assert depot.client().list_projects() == []  # the preview failed: nothing was created
