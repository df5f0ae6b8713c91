"""`pulumi-depot import --format tenants`: a tenants file that the fleet's own parser
(pulumi_depot.tenants_file) accepts, that states each project as Depot has it and adopts it by import_id, that
explains in comments what the format could not hold, and that a fleet deploys without changing anything in Depot."""

from __future__ import annotations

from pathlib import Path

from importer_org import MakeStack, Org, RunCli, org_listing, refused, refused_projects, state_resources
from pulumi_depot.tenants_file import ResolvedTenant, load_tenants_file
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.project import GIB
from pulumi_stack import write_program

PROJECT = "pulumi-python:dynamic/depot:Project"
TRUST_POLICY_SET = "pulumi-python:dynamic/depot:TrustPolicySet"


def _policy_key(policy: pb.TrustPolicy) -> tuple[str, tuple[str, ...]]:
    kind = policy.WhichOneof("provider")
    assert kind is not None
    message = getattr(policy, kind)
    return kind, tuple(getattr(message, field.name) for field in message.DESCRIPTOR.fields)


def _tenant_key(tenant: ResolvedTenant) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((kind, tuple(fields.values())) for kind, fields in map(_kind_and_fields, tenant.trust_policies))


def _kind_and_fields(entry: object) -> tuple[str, dict[str, str]]:
    return entry.kind_and_fields()  # type: ignore[attr-defined,no-any-return]


def test_tenants_file_states_every_project_as_depot_has_it(awkward_org: Org, run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("--format", "tenants", "--output", "fleet/tenants.yaml", org=awkward_org)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "fleet" / "tenants.yaml"
    text = path.read_text()
    assert text.isascii()
    fleet = load_tenants_file(path)  # raises TenantsFileError, naming tenant and field, for anything it refuses

    with awkward_org.client() as client:
        projects = {p.project_id: p for p in client.list_projects()}
        policies = {pid: client.list_trust_policies(pid) for pid in projects}
        tokens = {pid: client.list_tokens(pid) for pid in projects}
    by_project = {tenant.import_id: tenant for tenant in fleet.resolved()}
    # Names with control characters are refused by pulumi-depot: left out, and said so where they would be.
    left_out = {pid for pid, project in projects.items() if refused(project.name)}
    assert left_out and set(by_project) == set(projects) - left_out
    comments = " ".join(line.strip()[2:] for line in text.splitlines() if line.strip().startswith("# "))
    for project_id in left_out:
        assert f"project {project_id}: its name has the control character '\\t'" in comments
    for project_id, tenant in by_project.items():
        project = projects[project_id]
        assert tenant.project_name == project.name
        assert tenant.region == project.region_id
        keep_gb = project.cache_policy.keep_gb or project.cache_policy.keep_bytes // GIB
        assert tenant.cache_policy is not None
        assert (tenant.cache_policy.keep_gb, tenant.cache_policy.keep_days) == (keep_gb, project.cache_policy.keep_days)
        assert tenant.hardware == (pb.Hardware.Name(project.hardware) if project.hardware else None)
        assert _tenant_key(tenant) == sorted(map(_policy_key, policies[project_id]))
        live_tokens = sorted((t.description, t.token_id) for t in tokens[project_id])
        if not live_tokens:
            assert tenant.token is None
        else:
            assert tenant.token is not None
            assert (tenant.token.description, tenant.token.import_id) == live_tokens[0]  # a deterministic pick
    # The project with three tokens: the two left out are named in a comment above its tenant.
    api = next(t for t in fleet.tenants if t.id == "api")
    others = sorted((t.description, t.token_id) for t in tokens[api.import_id or ""])[1:]
    comments_above = text.split("  - id: api\n")[0].rsplit("  - id:", 1)[-1]
    assert "has 3 tokens" in comments_above and all(token_id in comments_above for _, token_id in others)
    assert "secret cannot be read" in text
    renamed = [tenant for tenant in fleet.tenants if tenant.name is not None]
    assert renamed and all(f"({tenant.import_id})" in comments for tenant in renamed)  # each explained


def test_a_fleet_from_the_tenants_file_adopts_everything_and_changes_nothing(
    awkward_org: Org, run_cli: RunCli, pulumi_stack: MakeStack, tmp_path: Path
) -> None:
    program = tmp_path / "fleet"
    program.mkdir()
    result = run_cli("-q", "--format", "tenants", "--output", str(program), org=awkward_org)  # fleet/tenants.yaml
    assert result.returncode == 0, result.stderr
    tenants_file = program / "tenants.yaml"
    write_program(
        program,
        f"""\
        import pulumi_depot as depot

        depot.tenant_fleet_from_file({str(tenants_file)!r})
        """,
        project="fleet",
    )
    with awkward_org.client() as client:
        before = org_listing(client)

    stack = pulumi_stack(program, awkward_org)
    first = stack.up()
    with awkward_org.client() as client:
        assert org_listing(client) == before  # no project, policy or token created, deleted or changed
    resources = state_resources(stack)
    assert set(first.values()) == {"create"} and len(first) == len(resources), first  # adopted, nothing else
    adopted = {entry["id"] for entry in resources.values() if entry["type"] == PROJECT}
    assert adopted == set(before) - refused_projects(before)
    for urn, entry in resources.items():
        outputs = entry["outputs"]
        if entry["type"] == TRUST_POLICY_SET:  # adopts the live policies that match, by content
            assert set(outputs["policy_ids"].values()) == set(before[outputs["project_id"]]["trust_policies"]), urn
            assert all(line.startswith("= ") and line.endswith(": adopted") for line in outputs["changes"]), urn
            continue
        assert outputs["import_id"] == entry["id"], urn  # projects and tokens: adopted by id
        if entry["type"] == PROJECT:
            assert outputs["import_changes"] == [], urn  # adopting changed no setting
    preview = stack.preview(expect_no_changes=True)  # `pulumi preview --expect-no-changes`: fails on any change
    assert set(preview.values()) == {"same"} and len(preview) == len(resources), preview
