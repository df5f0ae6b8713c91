"""A project whose trust policies a TrustPolicySet owns has no other owner: another set or a plain TrustPolicy on
the same project makes the program fail, naming both, before the second one is registered."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi_depot as depot
import pytest
from dynamic_host import ProgramError, RegisteredResource, run_program

APP = depot.GitHubTrustArgs(repository_owner="acme", repository="app")
WEB = depot.GitHubTrustArgs(repository_owner="acme", repository="web")


def fake_depot(record: RegisteredResource) -> tuple[str, Mapping[str, Any]]:
    return ("p-fixed" if record.name.startswith("api") else f"{record.name}-id"), dict(record.inputs)


def failure_of(program: Callable[[], None]) -> tuple[str, list[str]]:
    with pytest.raises(ProgramError) as failure:
        run_program(program, new_resource=fake_depot)
    cause = failure.value.__cause__
    assert isinstance(cause, depot.TrustOwnershipError) and isinstance(cause, pulumi.RunError), cause
    return str(cause), [r.name for r in failure.value.run.resources if r.custom]


def test_the_same_project_output_is_rejected_when_the_second_resource_is_declared() -> None:
    def program() -> None:
        api = depot.Project("api", name="api", region="us-east-1")
        depot.TrustPolicySet("trust", project_id=api.id, policies=[APP])
        depot.TrustPolicy("extra", project_id=api.id, github=WEB)

    message, registered = failure_of(program)
    assert message.startswith(
        "depot.TrustPolicy 'extra' and depot.TrustPolicySet 'trust' both declare trust policies of one project "
        "(the same project_id Output): a TrustPolicySet owns every trust policy of its project"
    )
    assert "extra" not in registered


def test_the_same_literal_id_is_rejected_in_either_order() -> None:
    def program() -> None:
        depot.TrustPolicy("extra", project_id="7f76t7vghb", github=WEB)
        depot.TrustPolicySet("trust", project_id="7f76t7vghb", policies=[APP])

    message, registered = failure_of(program)
    assert (
        "depot.TrustPolicySet 'trust' and depot.TrustPolicy 'extra' both declare trust policies of project " in message
    )
    assert "7f76t7vghb" in message and "trust" not in registered


def test_different_outputs_with_one_value_are_rejected_when_the_value_is_known() -> None:
    def program() -> None:
        api = depot.Project("api", name="api", region="us-east-1")
        same_id = api.id.apply(lambda value: value)  # another Output object, the same project
        depot.TrustPolicySet("trust", project_id=api.id, policies=[APP])
        depot.TrustPolicy("extra", project_id=same_id, github=WEB)

    message, registered = failure_of(program)
    assert "both declare trust policies of project p-fixed" in message
    assert len({"trust", "extra"} & set(registered)) <= 1  # the second claimant never registers


def test_two_sets_on_one_project_are_rejected() -> None:
    def program() -> None:
        api = depot.Project("api", name="api", region="us-east-1")
        depot.TrustPolicySet("a", project_id=api.id, policies=[APP])
        depot.TrustPolicySet("b", project_id=api.id, policies=[WEB])

    message, _ = failure_of(program)
    assert message.startswith("depot.TrustPolicySet 'b' and depot.TrustPolicySet 'a' both declare")


def test_plain_policies_share_a_project_and_sets_own_different_projects() -> None:
    def program() -> None:
        api = depot.Project("api", name="api", region="us-east-1")
        web = depot.Project("web", name="web", region="us-east-1")
        depot.TrustPolicy("one", project_id=api.id, github=APP)
        depot.TrustPolicy("two", project_id=api.id, github=WEB)
        depot.TrustPolicySet("web-trust", project_id=web.id, policies=[APP])

    for _ in range(2):  # claims belong to one run: running the program again starts afresh
        run = run_program(program, new_resource=fake_depot)
        assert sorted(r.name for r in run.resources) == ["api", "one", "two", "web", "web-trust"]


# Mixing a set and a TrustPolicy on an existing project under the real engine (the preview fails, nothing
# changes): tests/engine/test_lifecycle_trust_policy_set.py.
