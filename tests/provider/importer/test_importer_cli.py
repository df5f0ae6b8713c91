"""The `pulumi-depot import` command's failures (one line, non-zero exit, no traceback, never the token), its
progress on stderr, and its output choices."""

from __future__ import annotations

import socket
from pathlib import Path

from importer_org import Org, RunCli
from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.importer import read_organization
from pulumi_depot_provider.proto import pb


def assert_one_line_failure(result: object, *needles: str) -> str:
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert result.returncode == 1, stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    error_lines = [line for line in stderr.splitlines() if "error:" in line]
    assert len(error_lines) == 1 and stderr.endswith(error_lines[0] + "\n"), stderr
    for needle in needles:
        assert needle in error_lines[0], error_lines[0]
    assert result.stdout == ""  # type: ignore[attr-defined]
    return error_lines[0]


def test_no_token(run_cli: RunCli) -> None:
    assert_one_line_failure(run_cli(), "DEPOT_TOKEN is not set")


def test_unreachable_api(run_cli: RunCli) -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = "depot_org_unreachable_secret_value"
    result = run_cli(env={"DEPOT_TOKEN": token, "DEPOT_API_URL": f"http://127.0.0.1:{port}"})
    line = assert_one_line_failure(result, "cannot reach the Depot API", f"127.0.0.1:{port}")
    assert token not in result.stderr + line


def test_bad_api_url(run_cli: RunCli) -> None:
    result = run_cli(env={"DEPOT_TOKEN": "t0ken", "DEPOT_API_URL": "ftp://depot.example"})
    assert_one_line_failure(result, "DEPOT_API_URL", "http")


def test_project_token_is_refused_by_name(awkward_org: Org, run_cli: RunCli) -> None:
    with awkward_org.client() as client:
        project = client.list_projects()[0]
        secret = client.create_token(project.project_id, "builds only").secret
    result = run_cli(env={"DEPOT_TOKEN": secret, "DEPOT_API_URL": awkward_org.url})
    assert_one_line_failure(result, "permission", "organization token, not a project token")
    assert secret not in result.stderr


def test_unknown_token_is_rejected_without_showing_it(depot: Org, run_cli: RunCli) -> None:
    token = "depot_org_not_a_real_token_0123456789"
    result = run_cli(env={"DEPOT_TOKEN": token, "DEPOT_API_URL": depot.url})
    assert_one_line_failure(result, "rejected DEPOT_TOKEN")
    assert token not in result.stderr


def test_existing_output_is_refused_before_depot_is_asked(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "program.py").write_text("keep me\n")
    # No token at all: the refusal comes first, so a slow organization read is never wasted.
    assert_one_line_failure(run_cli("--output", "program.py"), "program.py already exists", "--force")
    assert (tmp_path / "program.py").read_text() == "keep me\n"


def test_option_mistakes_are_one_line(run_cli: RunCli) -> None:
    assert_one_line_failure(run_cli("--output", "x.py", "--project-name", "p"), "--project-name")
    assert_one_line_failure(run_cli("--format", "tenants", "--output", "t.json"), ".yaml")
    assert_one_line_failure(run_cli("--output", "tenants.yaml"), "--format tenants")
    assert_one_line_failure(run_cli("--output", "dir", "--project-name", "bad name!"), "--project-name")


def test_progress_for_a_large_organization(depot: Org, run_cli: RunCli, tmp_path: Path) -> None:
    with depot.client() as client:
        for index in range(45):
            project = client.create_project(f"tenant-{index:02}", "us-east-1")
            if index % 5 == 0:
                client.create_token(project.project_id, "ci")
    result = run_cli("--format", "tenants", "--output", "tenants.yaml", org=depot)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    progress = [line.removeprefix("pulumi-depot import: ") for line in lines if "/45 projects" in line]
    assert progress == [f"read {n}/45 projects" for n in (10, 20, 30, 40, 45)]
    assert "wrote tenants.yaml: 45 projects, 0 trust policies, 9 tokens" in lines[-1]
    assert depot.token not in result.stderr + result.stdout
    assert result.stdout == ""  # progress never mixes with output


def test_a_project_deleted_while_reading_is_left_out(depot: Org) -> None:
    class DeletingClient(DepotClient):
        """Deletes the second project right after listing, as a concurrent user might."""

        def list_projects(self, **kwargs: object) -> list[pb.Project]:
            projects = super().list_projects()
            self.delete_project(projects[1].project_id)
            return projects

    with depot.client() as client:
        kept, gone = (client.create_project(name, "us-east-1").project_id for name in ("kept", "gone"))
    with DeletingClient(base_url=depot.url, token=depot.token) as client:
        snapshot = read_organization(client)
    assert [project.id for project in snapshot.projects] == [kept]
    assert snapshot.vanished == (gone,)
