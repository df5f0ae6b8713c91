"""The one project read model (resources/project_read.py) and what is made from it, on Depot's messages."""

from __future__ import annotations

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from pulumi_depot_provider.client.project_settings import GIB
from pulumi_depot_provider.importer import ProjectSnapshot
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.project import ProjectArgs, live_inputs, project_state
from pulumi_depot_provider.resources.project_read import ProjectInfo


def _project(created_at: str, **fields: object) -> pb.Project:
    created = Timestamp()
    created.FromJsonString(created_at)
    return pb.Project(
        project_id="p1", name="api", region_id="us-east-1", organization_id="org", created_at=created, **fields
    )


def test_state_invoke_output_and_snapshot_agree_on_depots_values() -> None:
    message = _project(
        "2024-05-01T10:00:00.123456789Z", cache_policy=pb.CachePolicy(keep_bytes=3 * GIB, keep_days=9), hardware=99
    )
    info = ProjectInfo.from_message(message)
    assert (info.cache_policy.keep_gb, info.cache_policy.keep_days, info.hardware) == (3, 9, "HARDWARE_99")
    state = project_state(message, import_id="p1").outputs()
    assert state["cache_policy"] == {"keep_gb": 3, "keep_days": 9, "keep_bytes": 3 * GIB}
    assert {k: state[k] for k in ("name", "region", "organization_id", "created_at", "hardware", "import_id")} == {
        "name": "api",
        "region": "us-east-1",
        "organization_id": "org",
        "created_at": info.created_at,
        "hardware": "HARDWARE_99",
        "import_id": "p1",
    }
    snapshot = ProjectSnapshot.from_message(message)
    assert snapshot.model_dump(include=set(ProjectInfo.model_fields)) == info.model_dump()
    assert snapshot.created_ns == message.created_at.ToNanoseconds()  # nanoseconds survive the RFC 3339 text


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"hardware": 3}, {"cache_policy": {"keep_days": 0}, "hardware": "HARDWARE_8X8"}),
        (
            {"cache_policy": pb.CachePolicy(keep_gb=7, keep_days=2), "hardware": 99},
            {"cache_policy": {"keep_gb": 7, "keep_days": 2}},
        ),
    ],
)
def test_live_inputs_leave_out_what_the_inputs_would_refuse(
    fields: dict[str, object], expected: dict[str, object]
) -> None:
    """No size limit reported (keep_gb 0) and an unknown Hardware name are left out: the inputs pass their check."""
    inputs = live_inputs(ProjectInfo.from_message(_project("2024-05-01T10:00:00Z", **fields)))
    assert inputs == {"name": "api", "region": "us-east-1", **expected}
    ProjectArgs.model_validate(inputs)
