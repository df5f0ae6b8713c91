"""No secret on a command line during a real `pulumi up` (issue 22): an earlier stand-in Python language host ran
the program as `language_host.py --run '{"config": {"depot:token": ...}}'`, so the org token was on the process
list for every up. The host (testing/pulumi-cli/python-host) passes the config in the environment, as Pulumi's does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from command_lines import command_lines
from gate_proxy import GateProxy
from pulumi_stack import PulumiStack, write_program

PROGRAM = """
import os

import pulumi
import pulumi_depot as depot
import pulumi_depot_native as native

api = depot.Project("api", name="api", region="us-east-1")
ci = depot.ProjectToken("ci", project_id=api.id, description="CI")
native.Project("native", name="native", region="us-east-1")
pulumi.export("secret", ci.secret)
pulumi.export("password", pulumi.Config().require_secret("password"))
pulumi.export("pid", os.getpid())
"""


def test_no_secret_is_on_any_command_line_of_a_pulumi_up(
    depot: Any, pulumi_stack: Callable[..., PulumiStack], tmp_path: Path
) -> None:
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), depot)
    password = "program-secret-" + tmp_path.name
    stack.set_config("password", password, secret=True)

    with GateProxy(depot.url) as gate:
        stack.set_config("depot:apiUrl", gate.url)
        gate.close(methods={"CreateProject"})
        with stack.running_cli("up", "--yes", "--skip-preview") as process, command_lines(process.pid) as seen:
            # Both projects' creates unanswered: the program, the provider host and the native plugin are running
            # until the gate opens, and the sampling walks the tree whole meanwhile.
            gate.wait_holding(calls=2)
            seen.wait_for_walk()
            gate.release()
            assert process.wait() == 0, "".join(stack.log)

    outputs = stack.outputs()
    assert outputs["password"] == password  # the program did get its secret config, from the environment
    # The sampling covered the processes that hold the config: the program, the dynamic provider host and the
    # native plugin.
    lines = [line for pid_lines in seen.values() for line in pid_lines]
    assert int(outputs["pid"]) in seen, seen
    for plugin in (b"pulumi.dynamic", b"pulumi-resource-depot"):
        assert any(plugin in line for line in lines), (plugin, seen)
    secrets = {"depot:token": depot.token, "password": password, "the token's secret": outputs["secret"]}
    leaks = [
        (name, pid, line.split(b"\0")[:3])  # which secret, in which process: never the secret itself
        for pid, pid_lines in seen.items()
        for line in pid_lines
        for name, secret in secrets.items()
        if secret.encode() in line
    ]
    assert leaks == []
