"""`pulumi-depot import --format tenants`: a tenants file in the fleet's format that states each project as Depot
has it, adopts it by import_id, and explains in comments what the format could not hold.

The fleet's own parser did not exist when this was written, so the file is validated against a strict model of
the format in /work/notes/ISSUE4-SHARED.md (unknown keys, bad tenant ids and duplicate ids rejected)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import pytest
import yaml
from conftest import RunCli
from importer_org import Org
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.project import GIB, HardwareName, Region
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

TenantId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CachePolicy(Strict):
    keep_gb: int | None = Field(None, ge=1)
    keep_days: int | None = Field(None, ge=0)


class GitHub(Strict):
    repository_owner: Text
    repository: Text


class Buildkite(Strict):
    organization_slug: Text
    pipeline_slug: Text


class CircleCI(Strict):
    organization_uuid: Text
    project_uuid: Text


class TrustPolicy(Strict):
    github: GitHub | None = None
    buildkite: Buildkite | None = None
    circleci: CircleCI | None = None

    @model_validator(mode="after")
    def _one(self) -> TrustPolicy:
        assert sum(p is not None for p in (self.github, self.buildkite, self.circleci)) == 1
        return self


class Token(Strict):
    description: Text | None = None
    rotation_trigger: str | None = None
    import_id: str | None = None


class Defaults(Strict):
    region: Region | None = None
    cache_policy: CachePolicy | None = None
    hardware: HardwareName | None = None
    token: bool | Token | None = None
    trust_policies: list[TrustPolicy] | None = None


class Tenant(Strict):
    id: TenantId
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    region: Region | None = None
    cache_policy: CachePolicy | None = None
    hardware: HardwareName | None = None
    trust_policies: list[TrustPolicy] | None = None
    token: bool | Token | None = None
    import_id: str | None = None


class TenantsFile(Strict):
    name_template: str = "{tenant}"
    defaults: Defaults | None = None
    protect: bool = False
    retain_on_delete: bool = False
    tenants: list[Tenant]

    @model_validator(mode="after")
    def _unique(self) -> TenantsFile:
        duplicates = [id_ for id_, n in Counter(t.id for t in self.tenants).items() if n > 1]
        assert not duplicates, f"duplicate tenant ids: {duplicates}"
        return self


def _policy_dict(policy: pb.TrustPolicy) -> dict[str, dict[str, str]]:
    kind = policy.WhichOneof("provider")
    assert kind is not None
    message = getattr(policy, kind)
    return {kind: {field.name: getattr(message, field.name) for field in message.DESCRIPTOR.fields}}


def test_tenants_file_states_every_project_as_depot_has_it(awkward_org: Org, run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("--format", "tenants", "--output", "fleet/tenants.yaml", org=awkward_org)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "fleet" / "tenants.yaml").read_text()
    parsed = TenantsFile.model_validate(yaml.safe_load(text))
    assert text.isascii()

    with awkward_org.client() as client:
        projects = {p.project_id: p for p in client.list_projects()}
        policies = {pid: client.list_trust_policies(pid) for pid in projects}
        tokens = {pid: client.list_tokens(pid) for pid in projects}
    by_project = {tenant.import_id: tenant for tenant in parsed.tenants}
    assert set(by_project) == set(projects)
    for project_id, tenant in by_project.items():
        project = projects[project_id]
        assert (tenant.name or parsed.name_template.format(tenant=tenant.id)) == project.name
        assert tenant.region == project.region_id
        keep_gb = project.cache_policy.keep_gb or project.cache_policy.keep_bytes // GIB
        assert tenant.cache_policy == CachePolicy(keep_gb=keep_gb, keep_days=project.cache_policy.keep_days)
        assert tenant.hardware == (pb.Hardware.Name(project.hardware) if project.hardware else None)
        live = sorted(map(str, map(_policy_dict, policies[project_id])))
        assert sorted(str(p.model_dump(exclude_none=True)) for p in tenant.trust_policies or []) == live
        live_tokens = sorted((t.description, t.token_id) for t in tokens[project_id])
        if not live_tokens:
            assert tenant.token is False
        else:
            assert isinstance(tenant.token, Token)
            assert (tenant.token.description, tenant.token.import_id) == live_tokens[0]  # deterministic pick
    # The project with three tokens: the two left out are named in a comment above its tenant.
    api = next(t for t in parsed.tenants if t.id == "api")
    left_out = sorted((t.description, t.token_id) for t in tokens[api.import_id or ""])[1:]
    comment_block = text.split("  - id: api\n")[0].rsplit("  - id:", 1)[-1]
    assert all(token_id in comment_block for _, token_id in left_out) and "has 3 tokens" in comment_block
    assert "secret cannot be read" in text


def test_tenant_ids_for_awkward_names_are_explained(awkward_org: Org, run_cli: RunCli) -> None:
    result = run_cli("-q", "--format", "tenants", org=awkward_org)
    assert result.returncode == 0, result.stderr
    parsed = TenantsFile.model_validate(yaml.safe_load(result.stdout))
    renamed = [tenant for tenant in parsed.tenants if tenant.name is not None]
    assert renamed  # awkward names keep their Depot name through `name`
    for tenant in renamed:
        assert f"({tenant.import_id})" in result.stdout  # each with a comment naming its project
    assert {"api", "api-2", "class", "depot", "project"} <= {tenant.id for tenant in parsed.tenants}


@pytest.mark.parametrize("model", [Tenant, Defaults])
def test_the_strict_model_rejects_what_the_format_rejects(model: type[BaseModel]) -> None:
    # Guard against a model so lax that the tests above would pass anything.
    bad = {"id": "Has Spaces", "region": "us-east-1"} if model is Tenant else {"hardware": "HARDWARE_1X1"}
    with pytest.raises(ValueError):
        model.model_validate(bad)
    with pytest.raises(ValueError):
        model.model_validate({**({"id": "ok"} if model is Tenant else {}), "unknown_key": 1})
