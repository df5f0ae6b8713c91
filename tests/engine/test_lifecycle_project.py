"""depot.Project's whole lifecycle under the real `pulumi`, one stack walking every step, stack config driving
each change: create, no-op, each in-place update, replacement (create-before-delete and delete_before_replace,
the order seen from Depot's side), drift, gone, protect, retain_on_delete, --target and destroy; and the Output
look-ups (get_project_output, list_projects_output) fed by the project's outputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine_lifecycle import fails, projects, urn_of
from pulumi_depot_provider.proto import pb
from pulumi_stack import PulumiStack, write_program

PROGRAM = """
import pulumi
import pulumi_depot as depot

config = pulumi.Config()
if config.get_bool("declare") is not False:
    keep_gb = config.get_int("keepGb")
    api = depot.Project(
        "api",
        name=config.get("name") or "api",
        region=config.get("region") or "us-east-1",
        cache_policy=depot.CachePolicyArgs(keep_gb=keep_gb) if keep_gb else None,
        hardware=config.get("hardware"),
        organization_id=config.get("organizationId"),
        cache_reset_trigger=config.get("reset"),
        opts=pulumi.ResourceOptions(
            protect=config.get_bool("protect") or False,
            retain_on_delete=config.get_bool("retain") or False,
            delete_before_replace=config.get_bool("dbr") or False,
        ),
    )
    pulumi.export("api", api.id)
    # Output look-ups: unknown while api is being created (not called), read from Depot once its id is known
    pulumi.export("api_region", depot.get_project_output(id=api.id).region)
    pulumi.export("region_projects", depot.list_projects_output(region=api.region).apply(
        lambda found: sorted(p.name for p in found)))
depot.Project("web", name=config.get("webName") or "web", region="us-east-1")
"""


def test_project_lifecycle(
    start_depot_server: Callable[..., Any], tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    server = start_depot_server()
    client = server.client()
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), server)

    def api() -> Any:
        (found,) = [p for p in client.list_projects() if p.project_id == stack.resources()["api"]["id"]]
        return found

    # create, no-op
    assert stack.up() == {"api": "create", "web": "create"}
    assert sorted(projects(client).values()) == ["api", "web"]
    assert stack.outputs() == {"api": api().project_id, "api_region": "us-east-1", "region_projects": ["api", "web"]}
    stack.preview(expect_no_changes=True)

    # each in-place update: one up each, the id never changes
    first_id = api().project_id
    for key, value, live in [
        ("name", "api-2", lambda p: p.name),
        ("region", "eu-central-1", lambda p: p.region_id),
        ("keepGb", "70", lambda p: str(p.cache_policy.keep_gb)),
        ("hardware", "HARDWARE_8X16", lambda p: pb.Hardware.Name(p.hardware)),
    ]:
        stack.set_config(key, value)
        assert stack.up() == {"api": "update", "web": "same"}, key
        assert api().project_id == first_id
        assert live(api()) == value, key
    assert (stack.outputs()["api_region"], stack.outputs()["region_projects"]) == ("eu-central-1", ["api-2"])
    server.reset_stats()
    stack.set_config("reset", "2024-06-01")
    assert stack.up() == {"api": "update", "web": "same"}
    assert server.stats()["ResetProject"]["calls"] == 1
    stack.preview(expect_no_changes=True)

    # organization_id is the replacing input. An organization the token cannot reach fails the replacement's
    # create; created before the old one is deleted, the project is left alone.
    stack.set_config("organizationId", "otherorg")
    assert "not_found" in fails(stack.up)
    assert api().project_id == first_id
    stack.remove_config("organizationId")
    stack.preview(expect_no_changes=True)

    # replacement, create-before-delete (forced with --replace: nothing else replaces a project). Delete failing
    # shows the order from Depot's side: the new project exists beside the old one. The next up finishes it.
    server.set_faults(unavailable_rate=1.0, methods=["DeleteProject"])
    failed = fails(stack.up, replace=[urn_of(stack, "api")])
    assert sorted(projects(client).values()) == ["api-2", "api-2", "web"], failed
    server.set_faults()
    stack.up()
    second_id = api().project_id
    assert second_id != first_id and sorted(projects(client).values()) == ["api-2", "web"]
    stack.preview(expect_no_changes=True)

    # delete_before_replace: create failing shows the order: the old project is already gone.
    stack.set_config("dbr", "true")
    assert stack.up() == {"api": "same", "web": "same"}
    server.set_faults(unavailable_rate=1.0, methods=["CreateProject"])
    fails(stack.up, replace=[urn_of(stack, "api")])
    assert sorted(projects(client).values()) == ["web"]
    server.set_faults()
    assert stack.up()["api"] in {"create", "replace"}
    third_id = api().project_id
    assert third_id not in {first_id, second_id} and sorted(projects(client).values()) == ["api-2", "web"]
    stack.preview(expect_no_changes=True)
    stack.remove_config("dbr")

    # drift: renamed by hand -> refresh records it -> preview shows an update -> up restores the declared name
    client.update_project(third_id, name="by-hand")
    stack.refresh()
    assert stack.resources()["api"]["outputs"]["name"] == "by-hand"
    assert stack.preview()["api"] == "update"
    assert stack.up()["api"] == "update"
    assert api().name == "api-2"

    # gone: deleted by hand -> refresh drops it -> up creates it again
    client.delete_project(third_id)
    stack.refresh()
    assert "api" not in stack.resources()
    assert stack.up()["api"] == "create"
    assert sorted(projects(client).values()) == ["api-2", "web"]

    # protect: destroy and removal from the program are refused, the project kept
    stack.set_config("protect", "true")
    assert stack.up() == {"api": "same", "web": "same"}
    protected_id = api().project_id
    assert "protected" in fails(stack.destroy)
    stack.set_config("declare", "false")
    assert "protected" in fails(stack.up)
    assert protected_id in projects(client) and "api" in stack.resources()
    stack.remove_config("declare")
    stack.remove_config("protect")
    assert stack.up() == {"api": "same", "web": "same"}

    # retain_on_delete: removed from the program -> gone from the state, still in Depot
    stack.set_config("retain", "true")
    stack.up()
    stack.set_config("declare", "false")
    assert stack.up() == {"api": "delete", "web": "same"}
    assert "api" not in stack.resources()
    assert projects(client)[protected_id] == "api-2"
    client.delete_project(protected_id)
    stack.remove_config("declare")
    stack.remove_config("retain")
    assert stack.up()["api"] == "create"

    # --target: only the targeted resource changes; the other change waits for the next up
    stack.set_config("name", "api-3")
    stack.set_config("webName", "web-2")
    stack.up(target=[urn_of(stack, "api")])
    assert sorted(projects(client).values()) == ["api-3", "web"]
    assert stack.preview() == {"api": "same", "web": "update"}
    assert stack.up() == {"api": "same", "web": "update"}
    assert sorted(projects(client).values()) == ["api-3", "web-2"]

    stack.destroy()
    assert projects(client) == {}
    assert stack.resources() == {}
