"""The committed protobuf code is what scripts/gen_proto.py makes from proto/ today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "provider" / "pulumi_depot_provider" / "proto"


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_proto", ROOT / "scripts" / "gen_proto.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_code_matches_proto(tmp_path: Path) -> None:
    _load_generator().generate(tmp_path)
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*_pb2.py*"))
    assert generated, "protoc produced nothing"
    for rel in generated:
        committed = COMMITTED / rel
        assert committed.exists(), f"{rel} is generated but not committed: run python scripts/gen_proto.py"
        assert committed.read_bytes() == (tmp_path / rel).read_bytes(), (
            f"{rel} is stale: run python scripts/gen_proto.py and commit the result"
        )


def test_field_numbers_match_the_contract() -> None:
    from pulumi_depot_provider.proto import pb

    def numbers(message) -> dict[str, int]:
        return {f.name: f.number for f in message.DESCRIPTOR.fields}

    assert numbers(pb.Project) == {
        "project_id": 1,
        "organization_id": 2,
        "name": 3,
        "region_id": 4,
        "created_at": 5,
        "cache_policy": 6,
        "hardware": 7,
    }
    assert numbers(pb.CachePolicy) == {"keep_bytes": 1, "keep_days": 2, "keep_gb": 3}
    assert numbers(pb.CreateProjectRequest) == {
        "name": 1,
        "organization_id": 2,
        "region_id": 3,
        "cache_policy": 4,
        "hardware": 5,
    }
    assert numbers(pb.UpdateProjectRequest) == {
        "project_id": 1,
        "name": 2,
        "region_id": 3,
        "cache_policy": 4,
        "hardware": 5,
    }
    assert numbers(pb.TrustPolicy) == {"trust_policy_id": 1, "buildkite": 2, "circleci": 3, "github": 4}
    assert numbers(pb.AddTrustPolicyRequest) == {"project_id": 1, "buildkite": 2, "circleci": 3, "github": 4}
    assert numbers(pb.CreateTokenResponse) == {"token_id": 1, "secret": 2}
    assert pb.Hardware.Value("HARDWARE_192X384") == 8 and pb.Hardware.Value("HARDWARE_4X4") == 2
    # Explicit presence where the contract says "optional".
    for message, field in [
        (pb.UpdateProjectRequest, "name"),
        (pb.UpdateProjectRequest, "cache_policy"),
        (pb.UpdateProjectRequest, "hardware"),
        (pb.CreateProjectRequest, "organization_id"),
        (pb.CachePolicy, "keep_bytes"),
    ]:
        assert message.DESCRIPTOR.fields_by_name[field].has_presence, f"{message.__name__}.{field}"
    methods = [m.name for m in pb.DESCRIPTOR.services_by_name["ProjectService"].methods]
    assert len(methods) == 13
