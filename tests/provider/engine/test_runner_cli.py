"""The runner on project directories: Pulumi.yaml and Pulumi.<stack>.yaml, the provider host's environment, and
``python -m pulumi_depot_provider.engine`` end to end in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi_depot_provider.engine.project import ProjectError, load_project, load_stack_config, provider_host_env
from pulumi_depot_provider.engine.props import Secret
from pulumi_depot_provider.engine.runner import Runner
from sample_provider import load_store

SAMPLE_DIR = Path(__file__).resolve().parent
PROGRAMS = SAMPLE_DIR / "programs"
RECORDS = PROGRAMS / "records"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SAMPLE_DIR), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "pulumi_depot_provider.engine", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_runs_a_project_through_a_full_cycle(tmp_path: Path, data_dir: Path, sample_token: str) -> None:
    state = tmp_path / "state.json"
    common = [
        str(RECORDS),
        "--stack",
        "dev",
        "--state",
        str(state),
        "--config",
        f"sample:dataDir={data_dir}",
        "--secret-config",
        f"sample:token={sample_token}",
    ]

    up = run_cli("up", *common, "--yes")
    assert up.returncode == 0, up.stderr
    assert " +  create   pulumi-python:dynamic/sample:Record  alpha" in up.stdout
    assert "+ 2 created" in up.stdout
    assert "token: [secret]" in up.stdout
    assert sorted(fields["name"] for fields in load_store(data_dir).values()) == ["alpha", "beta"]
    assert {fields["size"] for fields in load_store(data_dir).values()} == {2}  # from Pulumi.dev.yaml

    again = run_cli("up", *common, "--yes")
    assert again.returncode == 0, again.stderr
    assert "2 unchanged" in again.stdout

    before = (state.read_bytes(), load_store(data_dir))
    preview = run_cli("preview", *common, "--config", "records:names=alpha", "--config", "size=3")
    assert preview.returncode == 0, preview.stderr
    assert " ~  update   pulumi-python:dynamic/sample:Record  alpha  [diff: size]" in preview.stdout
    assert " -  delete   pulumi-python:dynamic/sample:Record  beta" in preview.stdout
    assert (state.read_bytes(), load_store(data_dir)) == before

    destroy = run_cli("destroy", *common, "--yes")
    assert destroy.returncode == 0, destroy.stderr
    assert "- 2 deleted" in destroy.stdout
    assert load_store(data_dir) == {}

    for result in (up, again, preview, destroy):
        assert sample_token not in result.stdout + result.stderr
    assert sample_token not in state.read_text()


def test_cli_failure_is_one_line_without_traceback(tmp_path: Path, data_dir: Path) -> None:
    result = run_cli(
        "up",
        str(RECORDS),
        "--stack",
        "dev",
        "--state",
        str(tmp_path / "state.json"),
        "--config",
        f"sample:dataDir={data_dir}",
        "--secret-config",
        "sample:token=t",
        "--config",
        "size=0",
        "--yes",
    )
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: pulumi-python:dynamic/sample:Record 'alpha' has a problem: size must be")
    assert "'alpha.size'" in line
    assert load_store(data_dir) == {}


def test_cli_asks_for_yes_without_a_terminal(tmp_path: Path) -> None:
    result = run_cli("destroy", str(RECORDS), "--stack", "dev", "--state", str(tmp_path / "state.json"))
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --yes must be passed to destroy when not running in a terminal"


def test_cli_help_says_it_is_test_tooling() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "TEST TOOLING, not a replacement for" in result.stdout
    assert "--secret-config KEY=VALUE" in result.stdout


def test_host_gets_the_engines_environment_and_the_project_directory(tmp_path: Path) -> None:
    runner = Runner(PROGRAMS / "host_env", stack="dev", state=tmp_path / "state.json")
    outputs = runner.up().outputs
    # Only the provider package's own namespace (pulumi-python) reaches PULUMI_CONFIG, as in the engine.
    assert json.loads(outputs["pulumiConfig"]) == {"flavour": "mild"}
    assert outputs["toolchain"] == "pip"
    assert outputs["project"] == "host-env"
    assert outputs["cwd"] == str(PROGRAMS / "host_env")


def test_stack_file_and_explicit_config_merge(tmp_path: Path, data_dir: Path) -> None:
    runner = Runner(
        RECORDS,
        stack="dev",
        state=tmp_path / "state.json",
        config={"sample:dataDir": str(data_dir), "sample:token": Secret("t"), "names": "gamma"},
        python_path=[SAMPLE_DIR],
    )
    summary = runner.preview()
    assert summary.project == "records"
    assert summary.outputs["names"] == ["gamma"]  # explicit config wins over Pulumi.dev.yaml
    assert summary.outputs["token"] == Secret("t")


def test_project_files_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"no Pulumi\.yaml in"):
        load_project(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: nodejs\n")
    with pytest.raises(ProjectError, match=r"`runtime` must be python \(got 'nodejs'\)"):
        load_project(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    project = load_project(tmp_path)
    assert load_stack_config(project, "missing") == {}

    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  depot:token:\n    secure: AAABAx==\n")
    with pytest.raises(ProjectError, match=r"depot:token is encrypted .*--secret-config"):
        load_stack_config(project, "dev")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  flag: true\n  limits: {cpu: 2}\n  empty:\n")
    with pytest.raises(ProjectError, match=r"p:empty has no value"):
        load_stack_config(project, "dev")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  flag: true\n  limits: {cpu: 2}\n  depot:apiUrl: x\n")
    assert load_stack_config(project, "dev") == {"p:flag": "true", "p:limits": '{"cpu": 2}', "depot:apiUrl": "x"}


def test_provider_host_env_is_the_engines() -> None:
    env = provider_host_env({"pulumi-python:a": "1", "depot:token": "secret"}, {"virtualenv": "venv"})
    assert env == {"PULUMI_CONFIG": '{"a": "1"}', "PULUMI_RUNTIME_VIRTUALENV": "venv"}


def test_relative_python_path_is_taken_from_where_the_runner_was_made(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The host starts inside the program run, whose working directory is the project's.
    monkeypatch.chdir(SAMPLE_DIR.parent)
    runner = Runner(
        RECORDS,
        stack="dev",
        state=tmp_path / "state.json",
        config={"sample:dataDir": str(data_dir), "sample:token": Secret("t")},
        python_path=[Path(SAMPLE_DIR.name)],
    )
    assert runner.up().ops() == {"alpha": "create", "beta": "create"}
