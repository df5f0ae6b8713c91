"""`pulumi-depot fleet` under the real `pulumi` on the file backend, against the local Depot API: a tenants file as
three shard stacks run two at a time, stable shards as tenants come and go, the review summary (per-tenant ops,
granted and revoked policies with the allowlist's verdict), a failing shard isolated and resumed with --shard k/K,
--locked, and `fleet move` keeping the Depot ids."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from gate_proxy import GateProxy
from pulumi import automation as auto
from pulumi_depot.fleet_command import main
from pulumi_depot.fleet_command.progress import RichProgress, progress_for
from pulumi_depot.fleet_command.report import ShardOutcome, printable
from pulumi_depot.fleet_command.stacks import Target
from pulumi_depot.fleet_command.status import deployed_tenants
from pulumi_depot.fleet_views import VIEW_ENV
from pulumi_depot_provider.proto import pb
from pulumi_stack import PulumiStack, write_program

PROGRAM = """
import pulumi_depot as depot

depot.tenant_fleet_from_file("tenants.yaml").export()
"""
BOTH = "allowed by DEPOT_ALLOWED_TRUST and depot:allowedTrust"
APP = {"github": {"repository_owner": "acme", "repository": "app"}}
WEB = {"github": {"repository_owner": "acme", "repository": "web"}}
DEPLOY = {"buildkite": {"organization_slug": "acme", "pipeline_slug": "deploy"}}


@dataclass
class FleetProject:
    """A project dir holding the unchanged fleet program and a tenants file, a `template` stack holding the Depot
    config that new shard stacks copy, and the fleet command run in this process with the stack's environment."""

    directory: Path
    template: PulumiStack
    capsys: pytest.CaptureFixture[str]
    cli_runs: list[list[str]]  # the arguments of every `pulumi` run the command made, in this process
    views: list[tuple[str, list[str]]]  # (shard, its tenants) of the view each run was handed (fleet_views)

    @property
    def lock(self) -> dict[str, str]:
        return yaml.safe_load((self.directory / "tenants.shards.yaml").read_text())["tenants"]  # type: ignore[no-any-return]

    def write(self, *tenants: dict[str, Any]) -> None:
        document = {"name_template": "tenant-{tenant}", "defaults": {"region": "us-east-1"}, "tenants": list(tenants)}
        (self.directory / "tenants.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    def fleet(self, *args: str) -> tuple[int, dict[str, Any], str]:
        """(exit status, the JSON report, the text printed)."""
        report = self.directory.parent / "report.json"
        report.unlink(missing_ok=True)
        self.capsys.readouterr()
        code = main([*args, "-C", str(self.directory), "--copy-config-from", "template", "--json", str(report), "-q"])
        printed = self.capsys.readouterr()
        document = json.loads(report.read_text()) if report.exists() else {}
        return code, document, printed.out + printed.err

    def deployed(self, stack: str) -> list[str]:
        return deployed_tenants(Target(self.directory), stack)


@pytest.fixture
def make_fleet_project(
    depot: Any,
    tmp_path: Path,
    pulumi_stack: Callable[..., PulumiStack],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., FleetProject]:
    def make(program: str = PROGRAM, env: dict[str, str] | None = None) -> FleetProject:
        directory = write_program(tmp_path / "project", program)
        template = pulumi_stack(directory, depot, stack="template", env=env)
        for key in list(template.env):
            monkeypatch.setenv(key, template.env[key])
        for key in ("DEPOT_TOKEN", "DEPOT_API_URL", "PULUMI_ACCESS_TOKEN"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.chdir(tmp_path)
        cli_runs: list[list[str]] = []
        views: list[tuple[str, list[str]]] = []
        run = auto.PulumiCommand.run

        def recorded(
            command: auto.PulumiCommand, args: list[str], cwd: str, env: Mapping[str, str], *rest: Any, **options: Any
        ) -> auto.CommandResult:
            cli_runs.append([arg for arg in args if arg != "--non-interactive"])
            if VIEW_ENV in env:
                view = json.loads(Path(env[VIEW_ENV]).read_text())
                views.append((view["shard"], [tenant["id"] for tenant in view["document"]["tenants"]]))
            return run(command, args, cwd, env, *rest, **options)

        monkeypatch.setattr(auto.PulumiCommand, "run", recorded)
        return FleetProject(directory, template, capsys, cli_runs, views)

    return make


@pytest.fixture
def fleet_project(make_fleet_project: Callable[..., FleetProject]) -> FleetProject:
    return make_fleet_project()


@pytest.fixture
def gate(depot: Any) -> Iterator[GateProxy]:
    with GateProxy(depot.server.url) as proxy:
        yield proxy


def changes(report: dict[str, Any]) -> dict[str, str]:
    return {tenant: entry["change"] for tenant, entry in report["tenants"].items()}


def trust_keys(client: Any, project_id: str) -> list[str]:
    return [f"github:{p.github.repository_owner}/{p.github.repository}" for p in client.list_trust_policies(project_id)]


def project_ids(client: Any) -> dict[str, str]:
    return {project.name.removeprefix("tenant-"): project.project_id for project in client.list_projects()}


def test_three_shards_two_at_a_time_stable_shards_summary_and_move(fleet_project: FleetProject, depot: Any) -> None:
    fleet, client = fleet_project, depot.client()
    fleet.write(
        {"id": "a", "trust_policies": [APP]},
        {"id": "b"},
        {"id": "c", "trust_policies": [DEPLOY]},
        {"id": "d"},
        {"id": "e"},
    )

    code, report, text = fleet.fleet("up", "--jobs", "2", "--shard-size", "2")
    assert code == 0, text
    assert fleet.lock == {"a": "shard-0", "b": "shard-0", "c": "shard-1", "d": "shard-1", "e": "shard-2"}
    # Per new shard: stack init, config read and set, up. No `stack output` or `stack history` after the up
    # (stacks._ShardStack): each would load the shard's whole state for a result the fleet never reads.
    commands = sorted(" ".join(a for a in args[:2] if not a.startswith("-")) for args in fleet.cli_runs)
    assert commands == sorted(["stack ls"] + ["stack init", "config", "config set", "up"] * 3), fleet.cli_runs
    # Each shard's program was handed a view of its own tenants, not the whole file to read.
    assert sorted(fleet.views) == [("shard-0", ["a", "b"]), ("shard-1", ["c", "d"]), ("shard-2", ["e"])]
    assert report["assigned"] == fleet.lock
    assert [(s["shard"], s["stack"], s["status"]) for s in report["shards"]] == [
        ("shard-0", "shard-0", "succeeded"),
        ("shard-1", "shard-1", "succeeded"),
        ("shard-2", "shard-2", "succeeded"),
    ]
    assert changes(report) == dict.fromkeys("abcde", "created")
    assert report["tenants"]["a"]["resources"] == {"tenant-a": "create", "tenant-a-trust": "create"}
    verdict = "no allowlist set"
    assert report["trust_policies"] == {
        "granted": [
            {"policy": "github:acme/app", "tenant": "a", "shard": "shard-0", "allowlist": verdict},
            {"policy": "buildkite:acme/deploy", "tenant": "c", "shard": "shard-1", "allowlist": verdict},
        ],
        "revoked": [],
        "refused": [],
    }
    assert "tenants: 5 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged" in text
    assert "+ github:acme/app  (tenant a, shard-0; no allowlist set)" in text
    assert {s: fleet.deployed(s) for s in ("shard-0", "shard-1", "shard-2")} == {
        "shard-0": ["a", "b"],
        "shard-1": ["c", "d"],
        "shard-2": ["e"],
    }
    ids = project_ids(client)
    assert sorted(ids) == ["a", "b", "c", "d", "e"]

    # Remove b, add f, change c's policies: nobody moves; f fills shard-2; b's record goes once shard-0 deleted it.
    fleet.write(
        {"id": "a", "trust_policies": [APP]},
        {"id": "c", "trust_policies": [WEB]},
        {"id": "d"},
        {"id": "e"},
        {"id": "f"},
    )
    fleet.views.clear()
    code, report, text = fleet.fleet("preview", "--jobs", "2", "--shard-size", "2")
    assert code == 0, text
    assert report["assigned"] == {"f": "shard-2"}
    assert sorted(fleet.views) == [("shard-0", ["a"]), ("shard-1", ["c", "d"]), ("shard-2", ["e", "f"])]
    assert fleet.lock == {
        "a": "shard-0",
        "b": "shard-0",
        "c": "shard-1",
        "d": "shard-1",
        "e": "shard-2",
        "f": "shard-2",
    }
    assert changes(report) == {
        "a": "unchanged",
        "b": "deleted",
        "c": "updated",
        "d": "unchanged",
        "e": "unchanged",
        "f": "created",
    }
    assert report["trust_policies"]["granted"] == [
        {"policy": "github:acme/web", "tenant": "c", "shard": "shard-1", "allowlist": verdict}
    ]
    assert report["trust_policies"]["revoked"] == [
        {"policy": "buildkite:acme/deploy", "tenant": "c", "shard": "shard-1"}
    ]
    assert project_ids(client) == ids  # a preview

    code, report, text = fleet.fleet("up", "--jobs", "2", "--shard-size", "2")
    assert code == 0, text
    assert changes(report) == {
        "a": "unchanged",
        "b": "deleted",
        "c": "updated",
        "d": "unchanged",
        "e": "unchanged",
        "f": "created",
    }
    assert fleet.lock == {"a": "shard-0", "c": "shard-1", "d": "shard-1", "e": "shard-2", "f": "shard-2"}
    after = project_ids(client)
    assert sorted(after) == ["a", "c", "d", "e", "f"]
    assert {t: after[t] for t in "acde"} == {t: ids[t] for t in "acde"}

    # Move c (project and trust set) to shard-2: an up of both shards then creates and deletes nothing in Depot.
    code, _, text = fleet.fleet("move", "c", "--to", "shard-2")
    assert code == 0, text
    assert "moved tenant 'c' from shard 'shard-1' to 'shard-2': 3 resource(s), same Depot ids" in text
    assert "fleet preview --only shard-1,shard-2" in text
    assert fleet.lock == {"a": "shard-0", "c": "shard-2", "d": "shard-1", "e": "shard-2", "f": "shard-2"}
    assert (fleet.deployed("shard-1"), fleet.deployed("shard-2")) == (["d"], ["c", "e", "f"])
    code, report, text = fleet.fleet("up", "--only", "shard-1,shard-2", "--jobs", "2")
    assert code == 0, text
    assert changes(report) == dict.fromkeys("cdef", "unchanged")
    assert all(op == "same" for entry in report["tenants"].values() for op in entry["resources"].values())
    assert report["trust_policies"] == {"granted": [], "revoked": [], "refused": []}
    assert project_ids(client) == after
    assert "github:acme/web" in {key for key in trust_keys(client, after["c"])}


def test_a_failing_shard_is_isolated_named_and_resumed_by_slice(
    fleet_project: FleetProject, depot: Any, gate: GateProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = fleet_project
    fleet.template.set_config("depot:apiUrl", gate.url)  # open: every call goes through, until the lock test
    fleet.template.set_config("depot:allowedTrust", json.dumps({"github": ["acme"]}))
    monkeypatch.setenv("DEPOT_ALLOWED_TRUST", json.dumps({"github": ["acme", "evil"]}))  # CI's: the stack's narrows it
    evil = {"github": {"repository_owner": "evil", "repository": "x"}}
    fleet.write({"id": "a", "trust_policies": [APP]}, {"id": "evil", "trust_policies": [evil]}, {"id": "c"})

    code, report, text = fleet.fleet("up", "--jobs", "2", "--shard-size", "1")
    assert code == 1, text
    assert fleet.lock == {"a": "shard-0", "evil": "shard-1", "c": "shard-2"}
    assert report["failed_shards"] == ["shard-1"] and report["ok"] is False
    assert {s["shard"]: s["status"] for s in report["shards"]} == {
        "shard-0": "succeeded",
        "shard-1": "failed",
        "shard-2": "succeeded",
    }
    assert report["trust_policies"]["granted"] == [
        {"policy": "github:acme/app", "tenant": "a", "shard": "shard-0", "allowlist": BOTH}
    ]
    assert report["trust_policies"]["refused"] == [
        {"policy": "github:evil/x", "tenant": "evil", "shard": "shard-1", "allowlist": "refused"}
    ]
    [failure] = [s for s in report["shards"] if s["shard"] == "shard-1"]
    assert any("github:evil/x is not allowed" in error["message"] for error in failure["errors"])
    assert "1 failed (shard-1)" in text and "rerun the failed shards: pulumi-depot fleet up --only shard-1" in text
    assert "! github:evil/x  (tenant evil, shard-1)" in text
    assert (changes(report)["a"], changes(report)["c"]) == ("created", "created")
    assert [tenant for tenant, entry in report["tenants"].items() if entry["failed"]] == ["evil"]
    assert "  failed    evil (not all of their changes were made)" in text

    # Fixed, the rerun takes only the failed shard: the 2nd of 3 slices.
    fixed = {"github": {"repository_owner": "acme", "repository": "x"}}
    fleet.write({"id": "a", "trust_policies": [APP]}, {"id": "evil", "trust_policies": [fixed]}, {"id": "c"})
    code, report, text = fleet.fleet("up", "--shard", "2/3", "--shard-size", "1")
    assert code == 0, text
    assert [(s["shard"], s["status"]) for s in report["shards"]] == [("shard-1", "succeeded")]
    assert list(report["tenants"]) == ["evil"]
    assert report["trust_policies"]["granted"] == [
        {"policy": "github:acme/x", "tenant": "evil", "shard": "shard-1", "allowlist": BOTH}
    ]
    assert sorted(project.name for project in depot.client().list_projects()) == ["tenant-a", "tenant-c", "tenant-evil"]

    # A `pulumi up` of shard-1 holds its lock (stopped at a Depot answer): the fleet's up of that shard fails on the
    # lock, by name, and the other up then finishes.
    by_hand = PulumiStack(
        fleet.directory, fleet.template.work_dir, api_url=gate.url, token=depot.token, stack="shard-1"
    )
    gate.close(after=0)
    with by_hand.running_cli("up", "--yes", "--skip-preview") as running:
        gate.wait_holding()
        code, report, text = fleet.fleet("up", "--only", "shard-1")
        gate.release()
        assert running.wait(timeout=120) == 0, by_hand.log
    assert code == 1 and report["failed_shards"] == ["shard-1"], text
    [locked] = report["shards"][0]["errors"]
    assert locked["message"].startswith("the stack is locked by another update: error: the stack is currently locked")

    # CI: --locked refuses a tenant with no recorded shard, and records nothing.
    fleet.write({"id": "a", "trust_policies": [APP]}, {"id": "c"}, {"id": "new"})
    code, report, text = fleet.fleet("preview", "--locked")
    assert code == 2 and report == {}
    assert "--locked: 1 tenant(s) have no recorded shard (new)" in text
    assert "new" not in fleet.lock

    # A policy added by hand in Depot: refresh names the tenant as drifted and the policy it found granted.
    client = depot.client()
    c_id = {project.name: project.project_id for project in client.list_projects()}["tenant-c"]
    client.add_trust_policy(c_id, github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="by-hand"))
    fleet.write({"id": "a", "trust_policies": [APP]}, {"id": "evil", "trust_policies": [fixed]}, {"id": "c"})
    code, report, text = fleet.fleet("refresh", "--jobs", "3")
    assert code == 0, text
    assert changes(report) == {"a": "unchanged", "c": "drifted", "evil": "unchanged"}
    assert [(e["policy"], e["tenant"]) for e in report["trust_policies"]["granted"]] == [("github:acme/by-hand", "c")]

    code, status, text = fleet.fleet("status")
    assert code == 0, text
    assert [(s["shard"], s["deployed"], s["not_deployed"]) for s in status["shards"]] == [
        ("shard-0", ["a"], []),
        ("shard-1", ["evil"], []),
        ("shard-2", ["c"], []),
    ]

    # destroy: every shard at once, every policy revoked, Depot empty.
    assert fleet.fleet("destroy")[0] == 2  # not without --yes
    code, report, text = fleet.fleet("destroy", "--yes", "--jobs", "3")
    assert code == 0, text
    assert changes(report) == {"a": "deleted", "c": "deleted", "evil": "deleted"}
    assert [(e["policy"], e["tenant"]) for e in report["trust_policies"]["revoked"]] == [
        ("github:acme/app", "a"),
        ("github:acme/by-hand", "c"),
        ("github:acme/x", "evil"),
    ]
    assert client.list_projects() == []


def test_progress_is_a_live_display_on_a_terminal_and_plain_lines_elsewhere() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    outcome = ShardOutcome("shard-0", "prod-shard-0", ["a"], status="failed", seconds=1.5, error="locked")
    terminal = Terminal()
    with progress_for("up", 1, quiet=False, stream=terminal) as live:
        assert isinstance(live, RichProgress)
        live.start(outcome)
        live.done(outcome)
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.getvalue())
    assert "fleet up" in shown and "1/1 failed" in shown and "shard-0: failed (locked)" in shown
    log = io.StringIO()
    with progress_for("up", 1, quiet=False, stream=log) as plain:
        assert not isinstance(plain, RichProgress)
        plain.start(outcome)
        plain.done(outcome)
    assert log.getvalue().splitlines() == [
        "[up] shard-0 (stack prod-shard-0): started",
        "[up] shard-0: failed (0 resources, 1.5 s) [1/1]",
    ]


NATIVE_PROGRAM = PROGRAM.replace('"tenants.yaml")', '"tenants.yaml", native=True)')
BUCKET = "fleet-state"
PREFIX = ("--stack-prefix", "prod-")


def test_a_native_fleet_on_an_s3_backend_served_by_moto(
    make_fleet_project: Callable[..., FleetProject], aws: Any, depot: Any
) -> None:
    aws.client("s3").create_bucket(Bucket=BUCKET)
    endpoint = aws.url.replace(":", "%3A").replace("/", "%2F")
    backend = f"s3://{BUCKET}?endpoint={endpoint}&s3ForcePathStyle=true&region=us-east-1"
    fleet = make_fleet_project(NATIVE_PROGRAM, {"PULUMI_BACKEND_URL": backend, **aws.env})
    client = depot.client()
    fleet.write({"id": "a", "trust_policies": [APP]}, {"id": "b", "trust_policies": [DEPLOY]})

    code, report, text = fleet.fleet("up", "--jobs", "2", "--shard-size", "1", *PREFIX)
    assert code == 0, text
    assert changes(report) == {"a": "created", "b": "created"}
    assert [(e["policy"], e["tenant"]) for e in report["trust_policies"]["granted"]] == [
        ("github:acme/app", "a"),
        ("buildkite:acme/deploy", "b"),
    ]
    stored = {obj["Key"] for obj in aws.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert [(s["shard"], s["stack"]) for s in report["shards"]] == [
        ("shard-0", "prod-shard-0"),
        ("shard-1", "prod-shard-1"),
    ]
    assert {".pulumi/stacks/depot-test/prod-shard-0.json", ".pulumi/stacks/depot-test/prod-shard-1.json"} <= stored
    ids = project_ids(client)

    # A policy added by hand: the native plugin's detailed diff names it in the preview, as a revocation.
    client.add_trust_policy(ids["a"], github=pb.TrustPolicy.GitHub(repository_owner="acme", repository="by-hand"))
    code, report, text = fleet.fleet("preview", "--jobs", "2", *PREFIX)
    assert code == 0, text
    assert changes(report) == {"a": "updated", "b": "unchanged"}
    assert report["trust_policies"]["revoked"] == [{"policy": "github:acme/by-hand", "tenant": "a", "shard": "shard-0"}]
    assert "- github:acme/by-hand  (tenant a, shard-0)" in text

    # Move b next to a on S3: the same ids; the next up only removes the hand-added policy.
    code, _, text = fleet.fleet("move", "b", "--to", "shard-0", *PREFIX)
    assert code == 0, text
    code, report, text = fleet.fleet("up", *PREFIX)
    assert code == 0, text
    assert [s["shard"] for s in report["shards"]] == ["shard-0"]
    assert changes(report) == {"a": "updated", "b": "unchanged"}
    assert project_ids(client) == ids
    assert trust_keys(client, ids["a"]) == ["github:acme/app"]

    code, report, text = fleet.fleet("destroy", "--yes", *PREFIX)
    assert code == 0, text
    assert changes(report) == {"a": "deleted", "b": "deleted"}
    assert client.list_projects() == []


def test_the_report_prints_engine_messages_safely_keeping_their_lines() -> None:
    """Diagnostics can quote a tenant's input or Depot's answer: the report shows them with the input rules'
    escapes (one rule for what is safe to print), line by line, cut when long."""
    shown = printable("first \x1b[31mred\u202e line\nsecond \u3164 line\n" + "x" * 5000, 1000)
    assert shown.startswith("first \\x1b[31mred\\u202e line\nsecond \\u3164 line\n")
    assert not re.search("[\x1b\u202e\u3164]", shown)
    assert shown.endswith("more characters cut)") and len(shown) < 1100
