"""`pulumi-depot import` end to end: generate a program from a populated organization, deploy it under the real
`pulumi` against the same organization, and check that adopting it changed nothing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from importer_org import (
    AWKWARD_NAMES,
    LONG_REPOSITORY,
    MakeStack,
    Org,
    RunCli,
    org_listing,
    refused_projects,
    state_resources,
)
from pulumi_stack import plaintext_in

REPOSITORY_CONFIG = Path(__file__).resolve().parents[3] / "pyproject.toml"
PROJECT = "pulumi-python:dynamic/depot:Project"
TRUST_POLICY = "pulumi-python:dynamic/depot:TrustPolicy"
PROJECT_TOKEN = "pulumi-python:dynamic/depot:ProjectToken"


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("ruff")
    return subprocess.run([str(executable), *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=60)


def assert_ruff_clean(path: Path) -> None:
    """Clean under the repository's ruff settings and under ruff's defaults (what a user's fresh project has)."""
    for config in (["--config", str(REPOSITORY_CONFIG)], ["--isolated"]):
        formatted = ruff("format", "--check", "--diff", *config, str(path), cwd=path.parent)
        assert formatted.returncode == 0, formatted.stdout + formatted.stderr
        checked = ruff("check", "--no-cache", *config, str(path), cwd=path.parent)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_generated_program_adopts_everything_and_changes_nothing(
    awkward_org: Org, run_cli: RunCli, pulumi_stack: MakeStack, tmp_path: Path
) -> None:
    with awkward_org.client() as client:
        before = org_listing(client)
    program = tmp_path / "infra"
    result = run_cli("--output", str(program), "--project-name", "acme-depot", org=awkward_org)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in program.iterdir()) == ["Pulumi.yaml", "__main__.py", "requirements.txt"]
    assert 'name: "acme-depot"' in (program / "Pulumi.yaml").read_text()
    assert "pulumi-depot" in (program / "requirements.txt").read_text()
    main = program / "__main__.py"
    assert_ruff_clean(main)
    source = main.read_text()
    assert source.isascii()
    assert "secret cannot be read back" in source  # tokens: adopted for lifecycle management, said in a comment
    assert awkward_org.token not in source + result.stdout + result.stderr

    # A project whose Depot name pulumi-depot refuses (a tab) is left out, with its policies and tokens, and a
    # comment says which and why; everything else is declared.
    left_out = refused_projects(before)
    assert left_out
    for project_id in left_out:
        assert f"# Left out: project {project_id}: its name has the control character '\\t'" in source
    declared = {pid: entry for pid, entry in before.items() if pid not in left_out}
    stack = pulumi_stack(program, awkward_org)  # the generated directory as is: its Pulumi.yaml names the project
    first = stack.up()
    policies = sum(len(entry["trust_policies"]) for entry in declared.values())
    tokens = sum(len(entry["tokens"]) for entry in declared.values())
    resources = state_resources(stack)
    assert len(resources) == len(declared) + policies + tokens  # every object declared once
    assert set(first.values()) == {"create"} and len(first) == len(resources), first  # every object adopted, once

    adopted: dict[str, set[str]] = {PROJECT: set(), TRUST_POLICY: set(), PROJECT_TOKEN: set()}
    for urn, entry in resources.items():
        assert entry["custom"], urn
        adopted[entry["type"]].add(entry["id"])
        assert entry["outputs"]["import_id"] == entry["id"], urn
        if entry["type"] == PROJECT:
            assert entry["outputs"]["import_changes"] == [], urn  # adopting changed no setting
        if entry["type"] == PROJECT_TOKEN:
            # Depot cannot show an existing token's secret: no secret output at all (never a placeholder sentence
            # that could be forwarded as a token), and secret_known says so.
            assert "secret" not in entry["outputs"] and entry["outputs"]["secret_known"] is False, urn
    assert adopted[PROJECT] == set(declared)
    assert adopted[TRUST_POLICY] == {pid for entry in declared.values() for pid in entry["trust_policies"]}
    assert adopted[PROJECT_TOKEN] == {tid for entry in declared.values() for tid in entry["tokens"]}

    with awkward_org.client() as client:
        assert org_listing(client) == before  # nothing created, deleted or changed in Depot

    preview = stack.preview(expect_no_changes=True)  # `pulumi preview --expect-no-changes`: fails on any change
    assert set(preview.values()) == {"same"} and len(preview) == len(resources), preview
    # The same as a user reads it on the command line (the count includes the stack itself).
    shown = stack.preview_text("--expect-no-changes")
    assert shown.rstrip().endswith(f"Resources:\n    {len(resources) + 1} unchanged"), shown
    second = stack.up()
    assert set(second.values()) == {"same"} and len(second) == len(resources), second
    with awkward_org.client() as client:
        assert org_listing(client) == before
    assert plaintext_in(stack.work_dir, awkward_org.token) == []  # the token is in the state encrypted only


def test_generated_program_states_the_live_settings(awkward_org: Org, run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("--quiet", org=awkward_org)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    module = ast.parse(result.stdout)
    calls = [node.value for node in module.body if isinstance(node, ast.Assign | ast.Expr)]
    projects = {}
    for call in calls:
        if isinstance(call, ast.Call) and ast.unparse(call.func) == "depot.Project":
            keywords = {k.arg: ast.unparse(k.value) for k in call.keywords}
            projects[ast.literal_eval(keywords["import_id"])] = (ast.literal_eval(call.args[0]), keywords)
    with awkward_org.client() as client:
        left_out = refused_projects(org_listing(client))
        live = {p.project_id: p for p in client.list_projects() if p.project_id not in left_out}
    assert set(projects) == set(live)
    for project_id, (logical_name, keywords) in projects.items():
        project = live[project_id]
        assert ast.literal_eval(keywords["name"]) == project.name
        assert ast.literal_eval(keywords["region"]) == project.region_id
        keep_gb = project.cache_policy.keep_gb or project.cache_policy.keep_bytes // 1024**3
        assert (
            keywords["cache_policy"]
            == f"depot.CachePolicyArgs(keep_gb={keep_gb}, keep_days={project.cache_policy.keep_days})"
        )
        if project.hardware:
            assert ast.literal_eval(keywords["hardware"]) == pb_hardware_name(project.hardware)
        else:
            assert "hardware" not in keywords  # unspecified: left to Depot
        assert logical_name.replace("-", "").isalnum() and logical_name == logical_name.lower()
    logical_names = [name for name, _ in projects.values()]
    assert len(set(logical_names)) == len(AWKWARD_NAMES) - len(left_out)
    assert LONG_REPOSITORY in {ast.literal_eval(node) for node in _string_values(module)}


def pb_hardware_name(number: int) -> str:
    from pulumi_depot_provider.proto import pb

    return pb.Hardware.Name(number)


def _string_values(module: ast.Module) -> list[ast.expr]:
    return [node for node in ast.walk(module) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_same_organization_gives_byte_identical_output(awkward_org: Org, run_cli: RunCli, tmp_path: Path) -> None:
    first = run_cli("-q", "--output", str(tmp_path / "one"), org=awkward_org)
    second = run_cli("-q", "--output", str(tmp_path / "two"), org=awkward_org)
    tenants = [run_cli("-q", "--format", "tenants", org=awkward_org) for _ in range(2)]
    assert first.returncode == second.returncode == 0
    for name in ("__main__.py", "Pulumi.yaml", "requirements.txt"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert tenants[0].returncode == 0 and tenants[0].stdout == tenants[1].stdout
    single = run_cli("-q", org=awkward_org)
    assert single.stdout == (tmp_path / "one" / "__main__.py").read_text()


@pytest.mark.parametrize("output", ["program.py", "infra"])
def test_refuses_to_overwrite_without_force(awkward_org: Org, run_cli: RunCli, tmp_path: Path, output: str) -> None:
    first = run_cli("-q", "--output", output, org=awkward_org)
    assert first.returncode == 0, first.stderr
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    (tmp_path / (output if output.endswith(".py") else f"{output}/__main__.py")).write_text("# edited by hand\n")
    contents = {path: path.read_bytes() for path in written}

    refused = run_cli("-q", "--output", output, org=awkward_org)
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "already exists" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert {path: path.read_bytes() for path in written} == contents  # nothing touched

    forced = run_cli("-q", "--force", "--output", output, org=awkward_org)
    assert forced.returncode == 0, forced.stderr
    edited = tmp_path / (output if output.endswith(".py") else f"{output}/__main__.py")
    assert "edited by hand" not in edited.read_text()
    assert not list(tmp_path.rglob(".*.tmp"))  # no temporary files left behind


def test_an_empty_organization_gives_a_program_that_declares_nothing(
    depot: Org, run_cli: RunCli, pulumi_stack: MakeStack, tmp_path: Path
) -> None:
    result = run_cli("-q", "--output", "empty", org=depot)
    assert result.returncode == 0, result.stderr
    assert_ruff_clean(tmp_path / "empty" / "__main__.py")
    stack = pulumi_stack(tmp_path / "empty", depot)
    assert stack.up() == {}  # no Depot resource: nothing created
    assert state_resources(stack) == {}
    stack.preview(expect_no_changes=True)
    assert depot.client().list_projects() == []
    (tmp_path / "fleet").mkdir()
    tenants = run_cli("-q", "--format", "tenants", "--output", "fleet", org=depot)  # a directory: fleet/tenants.yaml
    assert tenants.returncode == 0, tenants.stderr
    assert (tmp_path / "fleet" / "tenants.yaml").read_text().endswith("\ntenants: []\n")
