"""Reading Depot through the native plugin under the real `pulumi`: the invokes depot:index:getProject and
depot:index:listProjects, `Project.get` (a resource read by id, the engine's Read with only an id), and the plugin's
messages, which name its own type (depot:index:Project) and its own fix (the engine's import)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from native_stack import native_resources, up
from pulumi import automation as auto
from pulumi_depot_provider.proto import pb
from pulumi_stack import PulumiStack, write_program

INVOKES = """
import pulumi
from pulumi.runtime import invoke

config = pulumi.Config()
pulumi.export("by_name", invoke("depot:index:getProject", {"name": "api"}).value)
pulumi.export("by_id", invoke("depot:index:getProject", {"id": config.require("webId")}).value)
pulumi.export("all", invoke("depot:index:listProjects", {}).value)
pulumi.export("eu", invoke("depot:index:listProjects", {"region": "eu-central-1"}).value)
"""


def info(project: pb.Project) -> dict[str, Any]:
    """What the invokes return for a project (pulumi_depot.ProjectInfo's fields, named as the schema names them)."""
    return {
        "id": project.project_id,
        "name": project.name,
        "region": project.region_id,
        "organizationId": project.organization_id,
        "createdAt": project.created_at.ToJsonString(),
        "cachePolicy": {"keepGb": project.cache_policy.keep_gb, "keepDays": project.cache_policy.keep_days},
        "hardware": pb.Hardware.Name(project.hardware),
    }


def test_get_project_and_list_projects_invokes(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    api = client.create_project(
        "api",
        "eu-central-1",
        cache_policy=pb.CachePolicy(keep_gb=70, keep_days=3),
        hardware=pb.Hardware.Value("HARDWARE_8X16"),
    )
    web = client.create_project("web", "us-east-1", cache_policy=pb.CachePolicy(keep_gb=20, keep_days=0))
    stack = pulumi_stack(write_program(tmp_path / "program", INVOKES), depot)
    stack.set_config("webId", web.project_id)

    assert up(stack) == {}  # invokes only: no resource of the plugin
    outputs = stack.outputs()
    assert outputs["by_name"] == info(api)
    assert outputs["by_name"]["organizationId"] == depot.org_id
    assert outputs["by_name"]["hardware"] == "HARDWARE_8X16"
    assert outputs["by_id"] == info(web)
    assert outputs["all"] == {"projects": [info(api), info(web)]}
    assert outputs["eu"] == {"projects": [info(api)]}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ('{"name": "api"}', "2 Depot projects are named 'api' (ids: {first}, {second}); look it up by id instead"),
        ('{"name": "nope"}', "no Depot project is named 'nope' in the token's organization (name)"),
        ('{"id": "nosuchproject"}', "no Depot project with id 'nosuchproject' in the token's organization (id)"),
        ('{"id": "{first}", "name": "api"}', "give exactly one of id or name, not both (name)"),
        ("{}", "give exactly one of id or name (neither was given) (id)"),
        ('{"nmae": "api"}', "unknown property 'nmae'; allowed here: id, name (nmae)"),
    ],
    ids=["ambiguous", "no-such-name", "no-such-id", "both", "neither", "misspelt"],
)
def test_get_project_failures_are_one_line_naming_the_argument(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack], arguments: str, message: str
) -> None:
    client = depot.client()
    first = client.create_project("api", "us-east-1").project_id
    second = client.create_project("api", "eu-central-1").project_id
    arguments = arguments.replace("{first}", first)
    program = f'from pulumi.runtime import invoke\ninvoke("depot:index:getProject", {arguments})\n'
    stack = pulumi_stack(write_program(tmp_path / "program", program), depot)
    with pytest.raises(auto.CommandError) as failure:
        stack.stack.preview(on_output=stack.log.append)
    expected = message.format(first=first, second=second)
    assert f"invoke of depot:index:getProject failed: {expected}" in str(failure.value)
    assert depot.token not in str(failure.value) + "".join(stack.log)


def test_project_get_reads_an_existing_project_by_id(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    client = depot.client()
    legacy = client.create_project("legacy", "eu-central-1", cache_policy=pb.CachePolicy(keep_gb=80, keep_days=7))
    before = client.list_projects()
    program = (
        "import pulumi\n\nconfig = pulumi.Config()\n"
        'existing = pulumi.CustomResource("depot:index:Project", "existing", None,\n'
        '    opts=pulumi.ResourceOptions(id=config.require("projectId")))\n'
        'pulumi.export("project_id", existing.id)\n'
    )
    stack = pulumi_stack(write_program(tmp_path / "program", program), depot)
    stack.set_config("projectId", legacy.project_id)

    assert up(stack) == {"existing": "read"}
    assert stack.outputs()["project_id"] == legacy.project_id
    state = native_resources(stack)["existing"]
    assert state["external"] is True  # read, not managed: destroy leaves it in Depot
    outputs = state["outputs"]
    assert (outputs["name"], outputs["region"], outputs["organizationId"]) == ("legacy", "eu-central-1", depot.org_id)
    assert (outputs["cachePolicy"]["keepGb"], outputs["cachePolicy"]["keepDays"]) == (80, 7)
    assert outputs["hardware"] == "HARDWARE_UNSPECIFIED"
    assert outputs["createdAt"] == legacy.created_at.ToJsonString()

    stack.destroy()
    assert client.list_projects() == before

    stack.set_config("projectId", "nosuchproject")
    with pytest.raises(auto.CommandError) as failure:
        stack.stack.up(on_output=stack.log.append)
    assert (
        "depot:index:Project (id nosuchproject): read failed: Depot has no object with this id in the token's "
        "organization (the id of a depot:index:Project is its project id)"
    ) in " ".join(str(failure.value).split()), "".join(stack.log)[-1500:]


DUPLICATE = """
import pulumi

pulumi.CustomResource("depot:index:Project", "api", {"name": "api", "region": "us-east-1"})
"""


def test_a_refused_create_names_the_native_type_and_the_engines_import(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    existing = depot.client().create_project("api", "us-east-1").project_id
    stack = pulumi_stack(write_program(tmp_path / "program", DUPLICATE), depot)
    with pytest.raises(auto.CommandError) as failure:
        stack.stack.up(on_output=stack.log.append)
    message = str(failure.value)
    assert (
        f"depot:index:Project 'api': create refused: project {existing} is already named 'api' in us-east-1" in message
    )
    assert (
        f"Adopt it with the `import` resource option (ResourceOptions(import_='{existing}')) or "
        f"`pulumi import depot:index:Project <name> {existing}`" in message
    )
    assert "depot:Project" not in message and "import_id" not in message
    assert native_resources(stack) == {}
