"""`pulumi-depot import` end to end: generate a program from a populated organization, deploy it under the real
`pulumi` against the same organization, and check that adopting it changed nothing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from importer_org import AWKWARD_NAMES, LONG_REPOSITORY, MakeStack, Org, RunCli, org_listing, state_resources

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
    awkward_org: Org, run_cli: RunCli, tmp_path: Path
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

    runner = runner_for(program, awkward_org, tmp_path)
    first = runner.up()
    policies = sum(len(entry["trust_policies"]) for entry in before.values())
    tokens = sum(len(entry["tokens"]) for entry in before.values())
    assert first.counts() == {"create": len(before) + policies + tokens}  # every object adopted, once

    state = StateFile(tmp_path / "state" / "dev.json").load()
    assert state is not None
    adopted: dict[str, set[str]] = {PROJECT: set(), TRUST_POLICY: set(), PROJECT_TOKEN: set()}
    for entry in state.resources:
        if entry.custom:
            adopted[entry.type].add(entry.id)
            assert entry.outputs["import_id"] == entry.id
        if entry.type == PROJECT:
            assert entry.outputs["import_changes"] == [], entry.name  # adopting changed no setting
        if entry.type == PROJECT_TOKEN:
            secret = entry.outputs["secret"]
            assert isinstance(secret, Secret) and "not recoverable" in secret.value
    assert adopted[PROJECT] == set(before)
    assert adopted[TRUST_POLICY] == {pid for entry in before.values() for pid in entry["trust_policies"]}
    assert adopted[PROJECT_TOKEN] == {tid for entry in before.values() for tid in entry["tokens"]}

    with awkward_org.client() as client:
        assert org_listing(client) == before  # nothing created, deleted or changed in Depot

    preview = runner.preview()
    assert not preview.changes, preview.render()
    assert set(preview.counts()) == {"same"}
    # The same through the runner's command line, as a user without the Pulumi CLI would run it.
    command = [sys.executable, "-m", "dynamic_host", "preview", str(program), "--stack", "dev"]
    command += ["--state", str(tmp_path / "state" / "dev.json"), "--config", f"depot:apiUrl={awkward_org.url}"]
    command += ["--secret-config", f"depot:token={awkward_org.token}"]
    shown = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.rstrip().endswith(f"Resources:\n    {len(first.steps)} unchanged"), shown.stdout
    second = runner.up()
    assert not second.changes, second.render()
    with awkward_org.client() as client:
        assert org_listing(client) == before


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
        live = {p.project_id: p for p in client.list_projects()}
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
    assert len(set(logical_names)) == len(AWKWARD_NAMES)
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
    depot: Org, run_cli: RunCli, tmp_path: Path
) -> None:
    result = run_cli("-q", "--output", "empty", org=depot)
    assert result.returncode == 0, result.stderr
    assert_ruff_clean(tmp_path / "empty" / "__main__.py")
    summary = runner_for(tmp_path / "empty", depot, tmp_path).up()
    assert summary.steps == []
    (tmp_path / "fleet").mkdir()
    tenants = run_cli("-q", "--format", "tenants", "--output", "fleet", org=depot)  # a directory: fleet/tenants.yaml
    assert tenants.returncode == 0, tenants.stderr
    assert (tmp_path / "fleet" / "tenants.yaml").read_text().endswith("\ntenants: []\n")
