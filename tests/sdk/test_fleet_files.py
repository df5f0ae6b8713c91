"""Tenants files that cannot be used fail before any resource is registered, with every problem listed and each
naming the tenant (id and position) and the field; good files in YAML and JSON mean the same fleet."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi_depot as depot
import pytest
import yaml
from dynamic_host import ProgramError, run_program
from pulumi_depot.tenants_file import CachePolicySpec
from pulumi_stack import PulumiStack, write_program
from real_engine import TENANTS_FILE_PROGRAM, fails, state_resources

GOOD = {
    "name_template": "tenant-{tenant}",
    "defaults": {"region": "us-east-1", "token": True},
    "protect": True,
    "tenants": [
        {"id": "acme", "trust_policies": [{"github": {"repository_owner": "acme", "repository": "app"}}]},
        {"id": "globex", "name": "Globex Corp", "region": "eu-central-1", "token": False},
    ],
}


def with_tenant(index: int, **changes: Any) -> dict[str, Any]:
    document = json.loads(json.dumps(GOOD))
    document["tenants"][index].update(changes)
    return document


def problems_of(document: Any) -> list[str]:
    with pytest.raises(depot.TenantsFileError) as failure:
        depot.parse_tenants(document, "tenants.yaml")
    assert str(failure.value).startswith("tenants.yaml: ")
    return failure.value.problems


def test_yaml_and_json_files_give_the_same_fleet(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    (tmp_path / "t.json").write_text(json.dumps(GOOD), encoding="utf-8")
    from_yaml = depot.load_tenants_file(tmp_path / "t.yaml")
    assert from_yaml == depot.load_tenants_file(tmp_path / "t.json")
    resolved = {tenant.id: tenant for tenant in from_yaml.resolved()}
    assert resolved["acme"].project_name == "tenant-acme"
    assert (resolved["acme"].region, resolved["acme"].token) == ("us-east-1", depot.TenantTokenArgs())
    assert (resolved["globex"].project_name, resolved["globex"].region) == ("Globex Corp", "eu-central-1")
    assert resolved["globex"].token is None and resolved["globex"].trust_policies == []
    assert from_yaml.protect is True and from_yaml.retain_on_delete is False


def test_a_file_takes_the_cache_policy_the_resource_takes() -> None:
    """depot:Project's CachePolicy is the rule: whole floats, and the deprecated keep_bytes converted to keep_gb."""
    fleet = depot.parse_tenants(with_tenant(0, cache_policy={"keep_bytes": 3 * 1024**3, "keep_days": 7.0}))
    assert fleet.resolved()[0].cache_policy == CachePolicySpec(keep_gb=3, keep_days=7)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {**GOOD, "tenants": [*GOOD["tenants"], {"id": "acme", "region": "us-east-1"}]},
            "tenant 'acme' (tenants[2]): id: also the id of tenants[0]; tenant ids must be unique",
        ),
        (
            with_tenant(0, regoin="us-east-1"),
            "tenant 'acme' (tenants[0]): regoin: unknown key; allowed: id, name, region",
        ),
        (with_tenant(1, region="mars-1"), "tenant 'globex' (tenants[1]): region: Input should be 'us-east-1' or"),
        (
            with_tenant(0, cache_policy={"keep_gb": 0}),
            "tenant 'acme' (tenants[0]): cache_policy.keep_gb: Input should be greater than or equal to 1 (got 0)",
        ),
        (
            with_tenant(0, cache_policy={"keep_gb": "50"}),
            "tenant 'acme' (tenants[0]): cache_policy.keep_gb: must be a whole number, not a str",
        ),
        (
            with_tenant(0, cache_policy={"keep_bytes": 5 * 1024**3, "keep_gb": 4}),
            "tenant 'acme' (tenants[0]): cache_policy.keep_gb: keep_gb (4) and keep_bytes (5 GB) disagree; set keep_gb",
        ),
        (
            with_tenant(0, hardware="HUGE"),
            "tenant 'acme' (tenants[0]): hardware: Input should be 'HARDWARE_UNSPECIFIED'",
        ),
        (
            with_tenant(0, token={"descripton": "x"}),
            "tenant 'acme' (tenants[0]): token.descripton: unknown key; allowed: description, rotation_trigger",
        ),
        (
            with_tenant(0, token="yes"),
            "tenant 'acme' (tenants[0]): token: must be true, false or a mapping of description, rotation_trigger",
        ),
        (
            with_tenant(0, trust_policies=[{"github": {"repository_owner": "acme"}}]),
            "tenant 'acme' (tenants[0]): trust_policies[0].github.repository: required",
        ),
        (
            with_tenant(0, trust_policies=[{"gitlab": {"project": "x"}}]),
            "tenant 'acme' (tenants[0]): trust_policies[0].gitlab: unknown key; allowed: github, buildkite, circleci",
        ),
        (
            with_tenant(0, trust_policies=[GOOD["tenants"][0]["trust_policies"][0]] * 2),
            "tenant 'acme' (tenants[0]): trust_policies[1]: github:acme/app is declared twice",
        ),
        (with_tenant(0, id="Acme_Corp"), "tenant 'Acme_Corp' (tenants[0]): id: must be 1 to 40 lowercase letters"),
        (with_tenant(0, id="a" * 41), "(tenants[0]): id: must be 1 to 40 lowercase letters, digits or '-'"),
        ({**GOOD, "tenants": [{"region": "us-east-1"}]}, "tenants[0]: id: required"),
        ({**GOOD, "tenants": ["acme"]}, "tenants[0]: must be a mapping"),
        (with_tenant(1, name="x" * 65), "tenant 'globex' (tenants[1]): name: String should have at most 64 characters"),
        (
            with_tenant(1, name="globex\tbuilds"),
            "tenant 'globex' (tenants[1]): name: the project name 'globex\\tbuilds' has the control character '\\t'",
        ),
        ({**GOOD, "protect": "yes"}, "protect: Input should be a valid boolean"),
        ({**GOOD, "defaults": {"region": "moon"}}, "defaults: region: Input should be 'us-east-1' or"),
        ({**GOOD, "tennants": []}, "tennants: unknown key; allowed: name_template, defaults, protect"),
        ({**GOOD, "name_template": "t-{tenant}-{org}"}, "name_template: 't-{tenant}-{org}' has the field {org}"),
        ({**GOOD, "name_template": "acme"}, "name_template: 'acme' has no {tenant}"),
        ({**GOOD, "name_template": "t-{tenant"}, "name_template: 't-{tenant' is not a valid template"),
        ({**GOOD, "name_template": "t-{tenant!r}"}, "without a format spec or conversion"),
        (
            {**GOOD, "name_template": "Tenant {tenant}!"},
            "tenant 'acme' (tenants[0]): name: the project name 'Tenant acme!' has characters a name template may not",
        ),
        (
            {**GOOD, "name_template": "{tenant}" + "-x" * 31},
            "tenant 'acme' (tenants[0]): name: the project name 'acme-x-x-x-x-x"
            + "-x" * 26
            + "' is 66 characters long",
        ),
        (
            {**GOOD, "tenants": [{"id": "a", "import_id": "p1"}, {"id": "b", "import_id": "p1"}]},
            "tenant 'b' (tenants[1]): import_id: 'p1' is already adopted by tenant 'a'",
        ),
        (
            {
                "defaults": {"region": "us-east-1", "token": {"import_id": "tok1"}},
                "tenants": [{"id": "a"}, {"id": "b"}],
            },
            "tenant 'b' (tenants[1]): token.import_id: 'tok1' is already adopted by tenant 'a'",
        ),
        (
            {"tenants": [{"id": "acme"}]},
            "tenant 'acme' (tenants[0]): region: required; set it on the tenant or in defaults",
        ),
        ([], "the document must be a mapping with a 'tenants' list, not a list"),
    ],
)
def test_each_problem_names_the_tenant_and_field(document: Any, expected: str) -> None:
    problems = problems_of(document)
    assert any(expected in problem for problem in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    document = {
        **GOOD,
        "name_template": "t-{org}",
        "tenants": [
            {"id": "acme", "region": "mars-1", "extra": 1},
            {"id": "acme", "hardware": "HUGE"},
        ],
    }
    problems = problems_of(document)
    assert len(problems) == 5, problems
    assert [problem.split(":")[0] for problem in problems] == [
        "tenant 'acme' (tenants[1])",
        "name_template",
        "tenant 'acme' (tenants[0])",
        "tenant 'acme' (tenants[0])",
        "tenant 'acme' (tenants[1])",
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "t.yaml",
            "tenants:\n  - id: acme\n    region: us-east-1\n    region: eu-central-1\n",
            "'region' appears twice",
        ),
        ("t.json", '{"tenants": [], "tenants": []}', "the key 'tenants' appears twice"),
        ("t.yaml", "tenants: [\n  {id: acme\n", "not valid YAML"),
        ("t.json", '{"tenants": [}', "not valid JSON: Expecting value at line 1"),
        ("t.yaml", "", "the document must be a mapping with a 'tenants' list, not nothing (an empty file)"),
    ],
)
def test_unreadable_files_name_the_file_and_the_problem(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(depot.TenantsFileError) as failure:
        depot.load_tenants_file(path)
    assert str(failure.value).startswith(f"{path}: 1 problem, nothing was deployed:")
    assert expected in str(failure.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(depot.TenantsFileError) as failure:
        depot.load_tenants_file(tmp_path / "nope.yaml")
    assert failure.value.problems == ["cannot read the tenants file: No such file or directory"]
    assert str(failure.value).startswith(f"{tmp_path / 'nope.yaml'}: 1 problem")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {**GOOD, "tenants": [*GOOD["tenants"], {"id": "acme"}]},
            "tenant 'acme' (tenants[2]): id: also the id of tenants[0]",
        ),
        (with_tenant(0, colour="red"), "tenant 'acme' (tenants[0]): colour: unknown key"),
        (with_tenant(1, region="mars-1"), "tenant 'globex' (tenants[1]): region: Input should be"),
        ({**GOOD, "name_template": "{tenant}/{tenant_org}"}, "name_template: '{tenant}/{tenant_org}' has the field"),
    ],
    ids=["duplicate-ids", "unknown-key", "bad-region", "bad-template"],
)
def test_an_up_fails_before_anything_is_registered(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    pulumi_stack: Callable[..., PulumiStack],
    document: Any,
    expected: str,
) -> None:
    org = request.getfixturevalue("depot")
    path = tmp_path / "tenants.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    stack = pulumi_stack(write_program(tmp_path / "program", TENANTS_FILE_PROGRAM.format(path=str(path))), org)
    message = fails(stack.up)
    assert expected in message and str(path) in message
    assert state_resources(stack) == []  # not even a component
    assert org.client().list_projects() == []

    with pytest.raises(ProgramError) as program_failure:
        run_program(lambda: depot.tenant_fleet_from_file(path))
    assert program_failure.value.run.resources == []  # not even a component


def test_code_fleets_are_checked_like_files() -> None:
    def program() -> None:
        depot.TenantFleet(
            "customers",
            tenants=[
                depot.TenantArgs(id="acme", region="us-east-1"),
                depot.TenantArgs(id="acme", region="mars-1"),
                {"id": "initech", "region": "us-east-1", "token": {"rotate": 1}},
            ],
        )

    with pytest.raises(ProgramError) as failure:
        run_program(program)
    error = failure.value.__cause__
    assert isinstance(error, depot.TenantsFileError)
    assert str(error).startswith("depot.TenantFleet 'customers': 3 problems")
    assert [problem.split(":")[0] for problem in error.problems] == [
        "tenant 'acme' (tenants[1])",
        "tenant 'acme' (tenants[1])",
        "tenant 'initech' (tenants[2])",
    ]
    assert failure.value.run.resources == []


def test_code_fleets_refuse_outputs_and_ambiguous_sources(tmp_path: Path) -> None:
    import pulumi

    def with_output() -> None:
        depot.TenantFleet("f", tenants=[depot.TenantArgs(id="acme", region=pulumi.Output.from_input("us-east-1"))])  # type: ignore[arg-type]

    refused = r"(?s)TenantFleet 'f': 1 problem.*tenants\[0\]\.region: an Output or awaitable"
    with pytest.raises(ProgramError, match=refused):
        run_program(with_output)
    with pytest.raises(ProgramError, match="give exactly one of tenants_file= or tenants="):
        run_program(lambda: depot.TenantFleet("f"))
    with pytest.raises(ProgramError, match="defaults= and name_template= are for tenants in code"):
        run_program(lambda: depot.TenantFleet("f", tenants_file=tmp_path / "x.yaml", name_template="{tenant}"))
