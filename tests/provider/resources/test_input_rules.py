"""The input rules of issue 22, each a named refusal with a hypothesis property: invisible characters and edge
whitespace in names and descriptions; GitHub owners and repositories, Buildkite slugs and CircleCI UUIDs in their
services' forms, wildcards refused, compared case-insensitively for duplicates; messages safe for a terminal; lone
surrogates refused by the SDK before Pulumi's serialization.

Each "before" named here was accepted (and created in Depot) by the probe against 86301fc.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pulumi_depot as depot
import pytest
from dynamic_host import DynamicProviderHost, ProgramError, run_program
from engine_steps import EngineResource
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi_depot_provider.resources.fields import REASON_LIMIT, forbidden_character, printable
from pulumi_depot_provider.resources.project import ProjectProvider
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider
from pulumi_depot_provider.resources.trust_names import (
    buildkite_slug_problem,
    github_owner_problem,
    github_repository_problem,
    uuid_problem,
)
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicySetProvider

PREFIX = "pulumi-python:dynamic/depot:"
UUID_A = "0b3c9a61-3f2e-4d1c-8a7b-5e6f7a8b9c0d"
UUID_B = "9f2e0b1c-2d3e-4f5a-8b6c-7d8e9f0a1b2c"
PROPERTY = settings(max_examples=200, deadline=None)
THROUGH_THE_HOST = settings(max_examples=50, deadline=None)  # each example is a check through the real host

# The services' rules written once more, independently, as regular expressions: the oracle for the properties.
GITHUB_OWNER = re.compile(r"(?=.{1,39}\Z)[A-Za-z0-9]+(-[A-Za-z0-9]+)*")
GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9._-]{1,100}")
BUILDKITE_SLUG = re.compile(r"(?=.{1,100}\Z)[a-z0-9]([a-z0-9-]*[a-z0-9])?")
UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
# Texts near the forms: the characters the rules are about, and a few they are not.
NEAR = st.text(st.sampled_from("aZ09-._/*? AbF"), min_size=1, max_size=45) | st.text(max_size=8)
OWNERS = st.from_regex(r"[A-Za-z0-9](-?[A-Za-z0-9]){0,19}", fullmatch=True)  # valid GitHub owners, generated


@pytest.fixture(scope="module")
def check_host() -> Iterator[DynamicProviderHost]:
    # Check never calls Depot: a host configured with a token and an unroutable URL is enough.
    with DynamicProviderHost(env={"DEPOT_TOKEN": "", "DEPOT_API_URL": ""}) as host:
        host.configure(
            {"depot:token": "depot_org_fake", "depot:apiUrl": "http://127.0.0.1:9"}, secret_keys=["depot:token"]
        )
        yield host


def reasons(host: DynamicProviderHost, provider: Any, type_: str, inputs: dict[str, Any]) -> list[str]:
    """The check failures' reasons; every failure has property "" and a printable reason."""
    failures = EngineResource(host, provider, PREFIX + type_, "r").check(inputs).failures
    for failure in failures:
        assert failure.property == "" and failure.reason.isprintable(), failure
        assert forbidden_character(failure.reason) is None, failure
    return [failure.reason for failure in failures]


def github(owner: str, repository: str = "app") -> dict[str, Any]:
    return {"project_id": "p1", "github": {"repository_owner": owner, "repository": repository}}


# --- what the probe created, each now refused by name --------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "type_", "inputs", "expected"),
    [
        (
            ProjectProvider(),
            "Project",
            {"name": "\u3164", "region": "us-east-1"},
            "name: has the invisible character '\\u3164' (U+3164) at position 1; remove it",
        ),
        (
            ProjectProvider(),
            "Project",
            {"name": "\u2800\u2800", "region": "us-east-1"},
            "name: has the invisible character '\\u2800' (U+2800) at position 1",
        ),
        (
            ProjectProvider(),
            "Project",
            {"name": "a\u034fb", "region": "us-east-1"},
            "name: has the invisible character '\\u034f' (U+034F) at position 2",
        ),
        (
            ProjectProvider(),
            "Project",
            {"name": "build\u2764\ufe0f", "region": "us-east-1"},
            "name: has the invisible character '\\ufe0f' (U+FE0F) at position 7",
        ),
        (
            ProjectProvider(),
            "Project",
            {"name": " api", "region": "us-east-1"},
            "name: starts with whitespace (' ', U+0020); remove it",
        ),
        (
            ProjectTokenProvider(),
            "ProjectToken",
            {"project_id": "p1", "description": "CI builds\u3000"},
            "description: ends with whitespace ('\\u3000', U+3000); remove it",
        ),
        (
            TrustPolicyProvider(),
            "TrustPolicy",
            github("acme/evil"),
            "github.repository_owner: has '/' at position 5; a GitHub owner is letters, digits and single hyphens; "
            "give the owner alone and the repository's name in `repository`",
        ),
        (
            TrustPolicyProvider(),
            "TrustPolicy",
            github("*", "*"),
            "github.repository_owner: has the wildcard character '*' at position 1; Depot matches repository owners "
            "literally and has no wildcards",
        ),
        (
            TrustPolicyProvider(),
            "TrustPolicy",
            {"project_id": "p1", "circleci": {"organization_uuid": "abc", "project_uuid": UUID_B}},
            "circleci.organization_uuid: is not a UUID (8-4-4-4-12 hexadecimal digits",
        ),
        (
            TrustPolicyProvider(),
            "TrustPolicy",
            {"project_id": "p1", "buildkite": {"organization_slug": "Acme", "pipeline_slug": "deploy"}},
            "buildkite.organization_slug: has 'A' at position 1; a Buildkite slug is lowercase letters, digits and "
            "hyphens (slugs are lowercase",
        ),
    ],
    ids=["hangul-filler", "braille-blank", "cgj", "vs16", "leading-space", "ideographic-space", "owner-slash",
         "wildcard", "circleci-abc", "buildkite-upper"],
)  # fmt: skip
def test_what_the_probe_created_is_refused_by_name(
    check_host: DynamicProviderHost, provider: Any, type_: str, inputs: dict[str, Any], expected: str
) -> None:
    found = reasons(check_host, provider, type_, inputs)
    assert any(reason.startswith(expected) for reason in found), found


def test_a_set_refuses_the_same_github_repository_in_another_case(check_host: DynamicProviderHost) -> None:
    # Before: [ACME/app, acme/app] created two policies; GitHub names (and the allowlist) are case-insensitive.
    entries = [{"github": {"repository_owner": o, "repository": "app"}} for o in ("ACME", "acme")]
    assert reasons(
        check_host, TrustPolicySetProvider(), "TrustPolicySet", {"project_id": "p1", "policies": entries}
    ) == [
        "policies[1]: github:acme/app is declared twice (policies[0] and policies[1], compared case-insensitively); "
        "a set holds each policy once: remove one"
    ]


def test_a_tenants_file_refuses_the_same_policy_in_another_case() -> None:
    policies = [{"circleci": {"organization_uuid": u, "project_uuid": UUID_B}} for u in (UUID_A, UUID_A.upper())]
    with pytest.raises(depot.TenantsFileError) as failure:
        depot.parse_tenants({"tenants": [{"id": "acme", "region": "us-east-1", "trust_policies": policies}]})
    assert any("is declared twice (trust_policies[0] and trust_policies[1]" in p for p in failure.value.problems)


def test_the_sdks_components_and_tenants_files_refuse_trust_names_before_anything_is_deployed() -> None:
    owner = "trust_policies[0].github.repository_owner: has '/' at position 5; a GitHub owner is letters"
    policies = [{"github": {"repository_owner": "acme/evil", "repository": "app"}}]
    with pytest.raises(depot.TenantsFileError) as failure:
        depot.parse_tenants({"tenants": [{"id": "acme", "region": "us-east-1", "trust_policies": policies}]})
    assert any(owner in problem for problem in failure.value.problems), failure.value.problems

    def program() -> None:
        circleci = depot.CircleCITrustArgs(organization_uuid=UUID_A, project_uuid="def")
        depot.TenantProject("t", tenant="acme", region="us-east-1", trust_policies=[circleci])

    with pytest.raises(ProgramError) as raised:
        run_program(program)
    error = raised.value.__cause__
    assert isinstance(error, depot.TenantsFileError), repr(error)
    assert error.problems == [
        "trust_policies[0].circleci.project_uuid: is not a UUID (8-4-4-4-12 hexadecimal digits such as "
        "0b6e1c53-2b5e-4f3a-9d57-1a1e3c6f7a01); copy it from the CircleCI organization's or project's settings"
    ]
    assert raised.value.run.resources == []


# --- properties: each rule against an independent oracle ---------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "oracle"),
    [
        (github_owner_problem, lambda text: GITHUB_OWNER.fullmatch(text)),
        (github_repository_problem, lambda text: GITHUB_REPOSITORY.fullmatch(text) and text not in (".", "..")),
        (buildkite_slug_problem, lambda text: BUILDKITE_SLUG.fullmatch(text)),
        (uuid_problem, lambda text: UUID.fullmatch(text)),
    ],
    ids=["github-owner", "github-repository", "buildkite-slug", "uuid"],
)
@PROPERTY
@given(text=NEAR | st.uuids().map(str) | OWNERS)
def test_each_name_rule_accepts_exactly_its_services_form(
    rule: Callable[[str], str | None], oracle: Callable[[str], Any], text: str
) -> None:
    problem = rule(text)
    assert (problem is None) == bool(oracle(text)), (text, problem)
    if problem is not None:
        assert printable(problem) == problem
        if any(character in text for character in "*?"):
            assert "wildcard" in problem


@THROUGH_THE_HOST
@given(owner=OWNERS, data=st.data())
def test_a_set_holds_a_repository_once_whatever_its_case(
    check_host: DynamicProviderHost, owner: str, data: st.DataObject
) -> None:
    other = "".join(data.draw(st.sampled_from([c.lower(), c.upper()])) for c in owner)
    entries = [{"github": {"repository_owner": name, "repository": "App"}} for name in (owner, other)]
    found = reasons(check_host, TrustPolicySetProvider(), "TrustPolicySet", {"project_id": "p1", "policies": entries})
    assert len(found) == 1 and found[0].startswith("policies[1]: github:") and "is declared twice" in found[0]


@THROUGH_THE_HOST
@given(
    name=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60).filter(
        lambda name: name.strip() == name != ""
    ),
    edge=st.sampled_from([" ", "\u00a0", "\u3000", "\u2003"]),
    leading=st.booleans(),
)
def test_a_name_with_whitespace_at_either_end_is_refused(
    check_host: DynamicProviderHost, name: str, edge: str, leading: bool
) -> None:
    value = edge + name if leading else name + edge
    found = reasons(check_host, ProjectProvider(), "Project", {"name": value, "region": "us-east-1"})
    assert len(found) == 1 and found[0].startswith("name: "), found
    if forbidden_character(value) is None:
        assert f"{'starts' if leading else 'ends'} with whitespace" in found[0], found


@PROPERTY
@given(text=st.text(max_size=3 * REASON_LIMIT))
def test_a_printable_message_is_printable_and_bounded(text: str) -> None:
    shown = printable(text)
    assert shown.isprintable() and forbidden_character(shown) is None
    assert len(shown) <= REASON_LIMIT + 40
    if text.isascii() and text.isprintable() and len(text) <= REASON_LIMIT:
        assert shown == text


# --- the SDK: strings Pulumi cannot send ---------------------------------------------------------------------------

SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=10)


@settings(max_examples=60, deadline=None)
@given(
    field=st.sampled_from(["name", "organization_id", "import_id", "resource_name"]),
    before=TEXT,
    surrogate=SURROGATE,
    after=TEXT,
)
def test_a_lone_surrogate_is_refused_by_name_before_serialization(
    field: str, before: str, surrogate: str, after: str
) -> None:
    # Before: a UnicodeEncodeError from inside Pulumi's serialization, naming no argument.
    value = before + surrogate + after
    arguments = {"name": "api", "region": "us-east-1", field: value}
    resource_name = arguments.pop("resource_name", "api")

    def program() -> None:
        depot.Project(resource_name, **arguments)

    with pytest.raises(ProgramError) as failure:
        run_program(program)
    error = failure.value.__cause__
    assert isinstance(error, depot.TenantsFileError), repr(error)
    position = len(before) + 1
    assert error.problems == [
        f"{field}: has the lone surrogate '\\u{ord(surrogate):04x}' (U+{ord(surrogate):04X}) at position {position}; "
        "remove it (a surrogate is half of a UTF-16 pair, not text: Pulumi cannot send it)"
    ]
    str(error).encode("utf-8")  # the message itself holds no surrogate: it can be printed
    assert failure.value.run.resources == []


def test_a_surrogate_inside_an_input_type_is_named_by_its_path() -> None:
    def program() -> None:
        owner = depot.GitHubTrustArgs(repository_owner="ac\udcffme", repository="app")
        depot.TrustPolicySet("trust", project_id="p1", policies=[owner])

    with pytest.raises(ProgramError) as failure:
        run_program(program)
    error = failure.value.__cause__
    assert isinstance(error, depot.TenantsFileError)
    assert error.problems[0].startswith("policies[0].github.repository_owner: has the lone surrogate '\\udcff'")


@pytest.mark.parametrize(
    ("resource", "arguments", "expected"),
    [
        (depot.Project, {"name": ["api"]}, "name: must be a string, not a list"),
        (depot.Project, {"region": ("us-east-1",)}, "region: must be a string, not a tuple"),
        (depot.Project, {"name": b"api"}, "name: must be a string, not a bytes"),
        (depot.Project, {"cache_policy": [50]}, "cache_policy: must be a mapping of keep_gb, keep_days, keep_bytes"),
        (depot.Project, {"cache_policy": {"keep_gb": [50]}}, "cache_policy.keep_gb: must be a number, not a list"),
        (depot.Project, {"cache_reset_trigger": {1}}, "cache_reset_trigger: a set cannot be sent"),
        (depot.ProjectToken, {"description": {"text": "CI"}}, "description: must be a string, not a dict"),
        (
            depot.TrustPolicy,
            {"github": depot.GitHubTrustArgs(repository_owner=["acme"], repository="app")},
            "github.repository_owner: must be a string, not a list",
        ),
    ],
    ids=["name-list", "region-tuple", "name-bytes", "object-list", "number-list", "trigger-set", "text-dict", "args"],
)
def test_a_value_pulumi_cannot_send_for_its_input_is_refused_by_name(
    resource: Any, arguments: dict[str, Any], expected: str
) -> None:
    # Before: an AssertionError or ValueError from pulumi/runtime (rpc.py), naming no argument of ours.
    base = {
        depot.Project: {"name": "api", "region": "us-east-1"},
        depot.ProjectToken: {"project_id": "p1", "description": "CI"},
        depot.TrustPolicy: {"project_id": "p1"},
    }[resource]

    def program() -> None:
        resource("r", **{**base, **arguments})

    with pytest.raises(ProgramError) as failure:
        run_program(program)
    error = failure.value.__cause__
    assert isinstance(error, depot.TenantsFileError), repr(error)
    assert len(error.problems) == 1 and error.problems[0].startswith(expected), error.problems
    assert failure.value.run.resources == []


SCALAR = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
CONTAINER = st.lists(SCALAR, max_size=2) | st.dictionaries(st.text(max_size=3), SCALAR, max_size=2) | st.binary()


@settings(max_examples=60, deadline=None)
@given(field=st.sampled_from(["name", "region", "hardware", "organization_id", "import_id"]), value=CONTAINER)
def test_a_container_for_a_text_input_is_refused_never_a_crash(field: str, value: Any) -> None:
    def program() -> None:
        depot.Project("r", **{"name": "api", "region": "us-east-1", field: value})

    with pytest.raises(ProgramError) as failure:
        run_program(program)
    error = failure.value.__cause__
    assert isinstance(error, depot.TenantsFileError), repr(error)
    assert error.problems == [f"{field}: must be a string, not a {type(value).__name__}"]
