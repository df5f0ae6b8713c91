"""Bad input never gets far: tenants files are loaded within bounds (size, encoding, depth, aliases, key types) and
every wrong SDK argument is one named problem of the SDK's own error (a pulumi.RunError), never a traceback, never
an empty authoritative trust set by accident, and never a control character echoed raw."""

from __future__ import annotations

import contextlib
import json
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_depot as depot
import pytest
from dynamic_host import ProgramError, run_program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_depot.tenants_file import TenantSpec

APP = depot.GitHubTrustArgs(repository_owner="acme", repository="app")
RAW_CONTROLS = ["\x00", "\x1b", "\u202a", "\u202e", "\u2066", "\u2069"]

# 6 anchors of 10 aliases each: some 500 bytes that expand to 10**6 strings (a "billion laughs", scaled down so
# that a loader without the bound still finishes on a test machine; the shape, not the size, is what is refused).
LEVELS = ["&l0 lol", *(f"&l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, 7))]
ALIAS_BOMB = "tenants:\n  - id: acme\n    region: us-east-1\n    token:\n      rotation_trigger:\n" + "".join(
    f"        - {level}\n" for level in LEVELS
)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def load_problem(path: Path) -> str:
    with pytest.raises(depot.TenantsFileError) as failure:
        depot.load_tenants_file(path)
    assert isinstance(failure.value, pulumi.RunError)
    assert str(failure.value).startswith(f"{path}: 1 problem, nothing was deployed:"), str(failure.value)
    assert len(failure.value.problems) == 1
    return failure.value.problems[0]


def test_the_alias_bomb_is_small_and_would_expand_exponentially() -> None:
    import yaml

    assert len(ALIAS_BOMB) < 600
    trigger = yaml.safe_load(ALIAS_BOMB)["tenants"][0]["token"]["rotation_trigger"]
    assert len(json.dumps(trigger[-1])) > 6 * 10**6


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("t.yaml", b"tenants:\n  - id: acme\xff\n    region: us-east-1\n", "not UTF-8: the byte 0xff at offset 21"),
        ("t.json", b'{"tenants": [{"id": "\xc3("}]}', "not UTF-8: the byte 0xc3 at offset 21"),
        ("t.yaml", "? [a, b]\n: 1\ntenants: []\n", "line 1: a mapping key must be a plain string, not a sequence"),
        ("t.yaml", "tenants:\n  - id: acme\n    1: x\n", "line 3: the mapping key 1 must be a string (quote it)"),
        ("t.yaml", "tenants: " + "[" * 5000 + "]" * 5000 + "\n", "line 1: nested more than 64 levels deep"),
        ("t.json", '{"tenants": ' + "[" * 5000 + "]" * 5000 + "}", "nested more than 64 levels deep"),
        ("t.yaml", ALIAS_BOMB, "the document expands to more than 100,000 values (aliases counted as copies"),
        ("t.yaml", "base: &b {region: us-east-1}\ntenants: []\n", "base: unknown key"),
        ("t.yaml", "tenants: []\n<<: {protect: true}\n", "line 2: merge keys (<<) are not allowed"),
        ("t.yaml", "protect: " + "1" * 5000 + "\ntenants: []\n", "cannot read a value: Exceeds the limit"),
        ("t.json", '{"protect": ' + "1" * 5000 + ', "tenants": []}', "cannot read a value: Exceeds the limit"),
        ("t.yaml", "protect: 2020-13-45\ntenants: []\n", "cannot read a value: month must be in 1..12"),
        ("t.yaml", "tenants: []\n" + "#" * (5 * 1024 * 1024), "the file is larger than 5 MiB"),
    ],
    ids=[
        "not-utf8",
        "json-not-utf8",
        "complex-key",
        "int-key",
        "deep",
        "json-deep",
        "alias-bomb",
        "anchor",
        "merge-key",
        "huge-int",
        "json-huge-int",
        "bad-date",
        "too-large",
    ],
)
def test_files_outside_the_bounds_are_one_clear_problem(
    tmp_path: Path, name: str, content: str | bytes, expected: str
) -> None:
    problem = load_problem(write(tmp_path, name, content))
    assert expected in problem, problem


def test_aliases_of_shared_values_as_safe_dump_writes_them_are_read(tmp_path: Path) -> None:
    import yaml

    policies = [{"github": {"repository_owner": "acme", "repository": "app"}}]
    document = {"tenants": [{"id": t, "region": "us-east-1", "trust_policies": policies} for t in ("a", "b")]}
    text = yaml.safe_dump(document)
    assert "&id001" in text and "*id001" in text
    fleet = depot.load_tenants_file(write(tmp_path, "t.yaml", text))
    assert [len(tenant.trust_policies) for tenant in fleet.tenants] == [1, 1]


def test_a_file_just_under_the_size_limit_is_read(tmp_path: Path) -> None:
    text = "tenants: []\n"
    path = write(tmp_path, "t.yaml", text + "#" * (5 * 1024 * 1024 - len(text)))
    assert depot.load_tenants_file(path).tenants == []


@pytest.mark.parametrize(
    ("tenant", "field"),
    [
        ({"token": {"description": "acme\x1b[31m builds"}}, "token.description"),
        ({"import_id": "p1\x00"}, "import_id"),
        ({"trust_policies": [{"github": {"repository_owner": "acme\u202e", "repository": "app"}}]}, "github.repo"),
        ({"trust_policies": [{"buildkite": {"organization_slug": "acme", "pipeline_slug": "d\u2066"}}]}, "pipeline"),
        ({"name": "acme\u202ebuilds"}, "name: the project name 'acme\\u202ebuilds' has the control character"),
        ({"id": "acme\x1b"}, "id: must be 1 to 40 lowercase letters"),
    ],
)
def test_control_characters_are_refused_and_shown_escaped(tenant: dict[str, Any], field: str) -> None:
    document = {"tenants": [{"id": "acme", "region": "us-east-1", **tenant}]}
    with pytest.raises(depot.TenantsFileError) as failure:
        depot.parse_tenants(document, "tenants.yaml")
    message = str(failure.value)
    assert field in message, message
    assert not any(character in message for character in RAW_CONTROLS), repr(message)


@pytest.mark.parametrize("value", ["", "github:acme/app", {}, {"github": {"repository_owner": "a", "repository": "b"}}])
def test_a_tenants_file_trust_list_must_be_a_list(value: Any) -> None:
    document = {"tenants": [{"id": "acme", "region": "us-east-1", "trust_policies": value}]}
    with pytest.raises(depot.TenantsFileError) as failure:
        depot.parse_tenants(document, "tenants.yaml")
    assert failure.value.problems == ["tenant 'acme' (tenants[0]): trust_policies: Input should be a valid list"]


def tenant_failure(**arguments: Any) -> depot.TenantsFileError:
    def program() -> None:
        depot.TenantProject("t", **{"tenant": "acme", "region": "us-east-1", **arguments})

    with pytest.raises(ProgramError) as failure:
        run_program(program)
    error = failure.value.__cause__
    assert isinstance(error, depot.TenantsFileError) and isinstance(error, pulumi.RunError), repr(error)
    assert failure.value.run.resources == []
    assert not any(character in str(error) for character in RAW_CONTROLS), repr(str(error))
    return error


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"trust_policies": ""}, "trust_policies: must be a list of trust policy entries, not a str"),
        ({"trust_policies": {}}, "trust_policies: must be a list of trust policy entries, not a dict"),
        ({"trust_policies": APP}, "trust_policies: must be a list of trust policy entries, not a GitHubTrustArgs"),
        ({"trust_policies": None}, "trust_policies: must be a list of trust policy entries, not NoneType None"),
        ({"trust_policies": [APP, "github:acme/app"]}, "trust_policies[1]: must be a GitHubTrustArgs"),
        ({"project_name": 7}, "project_name: must be a string (or None), not int 7"),
        ({"project_name": b"acme"}, "project_name: must be a string (or None), not a bytes"),
        ({"name_template": 7}, "name_template: must be a string, not int 7"),
        ({"name_template": None}, "name_template: must be a string, not NoneType None"),
        ({"region": 7}, "region: Input should be 'us-east-1' or 'eu-central-1' (got 7)"),
        ({"region": ""}, "region: Input should be 'us-east-1' or 'eu-central-1'"),
        ({"region": None}, "region: required: us-east-1 or eu-central-1"),
        ({"hardware": ["HARDWARE_2X4"]}, "hardware: Input should be 'HARDWARE_UNSPECIFIED', 'HARDWARE_16X32'"),
        ({"import_id": ""}, "import_id: must not be empty or blank; leave it out instead"),
        ({"import_id": 42}, "import_id: Input should be a valid string (got 42)"),
        ({"cache_policy": {"keep_gb": True}}, "cache_policy.keep_gb: must be a whole number, not true or false"),
        ({"cache_policy": depot.CachePolicyArgs(keep_days=False)}, "cache_policy.keep_days: must be a whole number"),
        ({"cache_policy": {"keep_gb": "50"}}, "cache_policy.keep_gb: must be a whole number, not a str"),
        (
            {"cache_policy": {"keep_gbs": 50}},
            "cache_policy.keep_gbs: unknown key; allowed: keep_gb, keep_days, keep_bytes",
        ),
        (
            {"cache_policy": {"keep_bytes": 3 * 1024**3 + 1}},
            "cache_policy.keep_bytes: must be a whole number of GB (a multiple of 1073741824); set keep_gb instead",
        ),
        ({"cache_policy": {}}, "cache_policy.keep_gb: set keep_gb and/or keep_days, or leave cache_policy out"),
        ({"cache_policy": 50}, "cache_policy: must be a CachePolicyArgs or a mapping of keep_gb, keep_days, keep_by"),
        ({"token": 1}, "token: must be True, False, None, a TenantTokenArgs or a mapping, not int 1"),
        ({"token": {"description": "x\x1b[2J"}}, "token.description: has the control character '\\x1b' (U+001B)"),
        ({"token": depot.TenantTokenArgs(import_id="t\u202e")}, "token.import_id: has the control character"),
        ({"region": "us-east-1\x00"}, "region: has the control character '\\x00' (U+0000)"),
        (
            {"trust_policies": [depot.GitHubTrustArgs(repository_owner="acme\u202e", repository="app")]},
            "trust_policies[0].github.repository_owner: has the control character '\\u202e' (U+202E)",
        ),
        (
            {"trust_policies": [{"circleci": {"organization_uuid": "o\u2069", "project_uuid": "p"}}]},
            "trust_policies[0].circleci.organization_uuid: has the control character '\\u2069'",
        ),
        ({"project_name": "acme\x1b[0m"}, "project_name: the project name 'acme\\x1b[0m' has the control character"),
        ({"opts": {"protect": True}}, "opts: must be a pulumi.ResourceOptions (or None), not a dict"),
    ],
)
def test_wrong_tenant_project_arguments_are_named(arguments: dict[str, Any], expected: str) -> None:
    error = tenant_failure(**arguments)
    assert any(expected in problem for problem in error.problems), error.problems


def test_an_explicit_empty_trust_list_still_means_no_trust() -> None:
    run = run_program(lambda: depot.TenantProject("t", tenant="acme", region="us-east-1", trust_policies=[]))
    assert run.get("t-trust").inputs["policies"] == []


def test_a_trust_policy_set_refuses_what_is_not_a_list() -> None:
    def program() -> None:
        project = depot.Project("p", name="p", region="us-east-1")
        depot.TrustPolicySet("p-trust", project_id=project.id, policies="")  # type: ignore[arg-type]

    with pytest.raises(ProgramError) as failure:
        run_program(program)
    error = failure.value.__cause__
    assert isinstance(error, depot.TenantsFileError)
    assert error.problems == ["policies: must be a list of trust policy entries ([] removes them all), not a str"]
    assert [resource.name for resource in failure.value.run.resources] == ["p"]


def fleet_failure(program: Callable[[], object]) -> depot.TenantsFileError:
    with pytest.raises(ProgramError) as failure:
        run_program(program)
    error = failure.value.__cause__
    assert isinstance(error, depot.TenantsFileError), repr(error)
    assert failure.value.run.resources == []
    return error


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        (
            lambda: depot.TenantFleet(
                "f", tenants=[depot.TenantArgs(id="acme", region="us-east-1", trust_policies="")]
            ),  # type: ignore[arg-type]
            "tenant 'acme' (tenants[0]): trust_policies: Input should be a valid list",
        ),
        (
            lambda: depot.TenantFleet(
                "f", tenants=[depot.TenantArgs(id="acme", region="us-east-1", trust_policies={})]
            ),  # type: ignore[arg-type]
            "tenant 'acme' (tenants[0]): trust_policies: Input should be a valid list",
        ),
        (
            lambda: depot.TenantFleet(
                "f", tenants=[depot.TenantArgs(id="acme", region="us-east-1", cache_policy={"keep_gb": True})]
            ),
            "tenant 'acme' (tenants[0]): cache_policy.keep_gb: must be a whole number, not true or false (got True)",
        ),
        (
            lambda: depot.TenantFleet(
                "f",
                tenants=[
                    depot.TenantArgs(id="acme", region="us-east-1", cache_policy=depot.CachePolicyArgs(keep_days=True))
                ],
            ),
            "cache_policy.keep_days: must be a whole number, not true or false (got True)",
        ),
        (
            lambda: depot.TenantFleet("f", tenants=[depot.TenantArgs(id="acme", name=7, region="us-east-1")]),  # type: ignore[arg-type]
            "tenant 'acme' (tenants[0]): name: Input should be a valid string",
        ),
        (
            lambda: depot.TenantFleet("f", tenants=[depot.TenantArgs(id="acme", region="us-east-1")], protect=1),  # type: ignore[arg-type]
            "protect: must be True, False or None, not int 1",
        ),
        (lambda: depot.TenantFleet("f", tenants_file=7), "tenants_file: must be a path (str or os.PathLike), not int"),  # type: ignore[arg-type]
        (
            lambda: depot.TenantFleet("f", tenants="acme"),
            "tenants: must be a list of TenantArgs or mappings, not a str",
        ),  # type: ignore[arg-type]
        (lambda: depot.TenantFleet("f", tenants=[], name_template=7), "name_template: Input should be a valid string"),  # type: ignore[arg-type]
        (lambda: depot.TenantFleet("f", tenants=[], native="yes"), "native: must be True or False, not"),  # type: ignore[arg-type]
    ],
    ids=[
        "trust-str",
        "trust-dict",
        "bool-keep-gb",
        "bool-keep-days",
        "name-int",
        "protect-int",
        "file-int",
        "tenants-str",
        "template-int",
        "native-str",
    ],
)
def test_wrong_fleet_arguments_are_named(program: Callable[[], object], expected: str) -> None:
    error = fleet_failure(program)
    assert any(expected in problem for problem in error.problems), error.problems


# --- properties --------------------------------------------------------------------------------------------------

YAML_PIECES = st.sampled_from(
    [
        "tenants:",
        "defaults:",
        "- ",
        "  ",
        "\n",
        "id: acme",
        "region: us-east-1",
        "token: ",
        "true",
        "null",
        "[",
        "]",
        "{",
        "}",
        ", ",
        ": ",
        "? ",
        "&a ",
        "*a",
        "<<: ",
        "!!binary ",
        "!!python/object:os.system ",
        "'",
        '"',
        "#",
        "1e9999",
        "2020-13-45",
        "0x" + "f" * 40,
        "9" * 5000,
        "keep_gb: ",
        "cache_policy:",
        "trust_policies:",
        "github: {repository_owner: a, repository: b}",
        "\x00",
        "\x1b",
        "\u202e",
        "\ufeff",
        "\t",
        "---",
        "...",
        "%YAML 1.1",
    ]
)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(content=st.binary(max_size=512), suffix=st.sampled_from([".yaml", ".json"]))
def test_random_bytes_are_a_tenants_file_or_a_tenants_file_error(tmp_path: Path, content: bytes, suffix: str) -> None:
    with contextlib.suppress(depot.TenantsFileError):
        depot.load_tenants_file(write(tmp_path, f"t{suffix}", content))


@PROPERTY
@given(pieces=st.lists(YAML_PIECES, max_size=40), suffix=st.sampled_from([".yaml", ".json"]))
def test_yamlish_documents_are_a_tenants_file_or_a_tenants_file_error(
    tmp_path: Path, pieces: list[str], suffix: str
) -> None:
    try:
        depot.load_tenants_file(write(tmp_path, f"t{suffix}", "".join(pieces)))
    except depot.TenantsFileError as error:
        assert not any(character in str(error).replace(str(tmp_path), "") for character in RAW_CONTROLS)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@PROPERTY
@given(tenants=st.lists(st.dictionaries(st.sampled_from(list(TenantSpec.model_fields)), JSONISH), max_size=3))
def test_random_documents_are_a_fleet_or_a_tenants_file_error(tenants: list[dict[str, Any]]) -> None:
    try:
        depot.parse_tenants({"tenants": tenants}, "tenants.yaml")
    except depot.TenantsFileError as error:
        assert not any(character in str(error) for character in RAW_CONTROLS), repr(str(error))


ANY_VALUE = (
    JSONISH
    | st.text(alphabet=string.printable + "".join(RAW_CONTROLS), max_size=12)
    | st.binary(max_size=4)
    | st.sampled_from([APP, depot.CachePolicyArgs(keep_gb=True), depot.TenantTokenArgs(), object(), 1j, [APP]])
)
TENANT_ARGUMENTS = [
    "tenant",
    "region",
    "cache_policy",
    "hardware",
    "trust_policies",
    "token",
    "name_template",
    "project_name",
    "import_id",
    "opts",
]


@settings(max_examples=200, deadline=None)
@given(arguments=st.dictionaries(st.sampled_from(TENANT_ARGUMENTS), ANY_VALUE, min_size=1, max_size=3))
def test_random_tenant_project_arguments_are_accepted_or_the_sdks_error(arguments: dict[str, Any]) -> None:
    def program() -> None:
        depot.TenantProject("t", **{"tenant": "acme", "region": "us-east-1", **arguments})

    try:
        run_program(program)
    except ProgramError as failure:
        error = failure.__cause__
        assert isinstance(error, depot.TenantsFileError), repr(error)
        assert failure.run.resources == []
        assert not any(character in str(error) for character in RAW_CONTROLS), repr(str(error))


def test_the_json_depth_bound_ignores_brackets_in_strings(tmp_path: Path) -> None:
    document = {"tenants": [{"id": "acme", "region": "us-east-1", "token": {"description": "[" * 200}}]}
    assert depot.load_tenants_file(write(tmp_path, "t.json", json.dumps(document))).tenants[0].id == "acme"
