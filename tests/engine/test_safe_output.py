"""What `pulumi preview` prints about refused inputs is safe for a terminal (issue 22): under the real engine, a
name holding an ESC sequence, a bidi override or 100,000 characters is refused by name and rule, and none of them
reaches the output raw or in full, for the dynamic resources, the native plugin and the allowlist's message.

The engine prints a check failure's property value itself (`property name value {...} has a problem`) when the
failure names a property, so the provider names it inside the reason instead (adapter.printable_failures). The
engine stops at the first resource that fails check, so each case is one preview of one resource.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi_stack import PULUMI, PulumiStack, write_program

LONG = 100_000
PROGRAM = f"""
import pulumi
import pulumi_depot as depot

case = pulumi.Config().require("case")
name = "a\\x1b[31mb\\u202e" + "n" * {LONG}
if case == "dynamic":
    depot.Project("p", name=name, region="us-east-1", organization_id="org\\u202e")
elif case == "token":
    depot.ProjectToken("t", project_id="p1", description="ci\\u3164")
elif case == "native":
    pulumi.CustomResource("depot:index:Project", "p", {{"name": name, "region": "us-east-1"}})
else:
    owner = depot.GitHubTrustArgs(repository_owner="ev\\x1bil\\u202e" + "n" * {LONG}, repository="app")
    depot.TrustPolicy("owner", project_id="p1", github=owner)
"""
CHARACTER = "has the control character '\\x1b' (U+001B) at position 2"


def preview(stack: PulumiStack, case: str) -> str:
    stack.set_config("case", case)
    completed = subprocess.run(
        [str(PULUMI), "preview", "--color", "never", "--stack", stack.name, "--non-interactive"],
        cwd=stack.program_dir,
        env=stack.env,
        capture_output=True,
        timeout=600,
        check=False,
    )
    output = completed.stdout + completed.stderr
    text = output.decode("utf-8")
    assert completed.returncode != 0, text
    assert b"\x1b" not in output, text
    assert "\u202e" not in text and "\u3164" not in text, ascii(text)
    assert "n" * 3000 not in text and len(output) < 20_000, len(output)
    return text


def test_refused_inputs_never_reach_the_terminal_raw(
    depot: Any, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    stack = pulumi_stack(write_program(tmp_path / "program", PROGRAM), depot)
    # The allowlist's own message names the refused owner: it must be as safe as the input rules' messages.
    stack.set_config("depot:allowedTrust", '{"github": ["acme"]}')

    dynamic = preview(stack, "dynamic")
    assert "name: " + CHARACTER in dynamic and "name: is 100008 characters long; at most 64" in dynamic, dynamic
    assert "organization_id: has the control character '\\u202e' (U+202E) at position 4" in dynamic, dynamic
    token = preview(stack, "token")
    assert "description: has the invisible character '\\u3164' (U+3164) at position 3" in token, token
    native = preview(stack, "native")
    assert "name: " + CHARACTER in native and "name: is 100008 characters long; at most 64" in native, native
    trust = preview(stack, "trust")
    assert "github.repository_owner: has the control character '\\x1b' (U+001B) at position 3" in trust, trust
    assert "github.repository_owner: is 100006 characters long; at most 256" in trust, trust
    assert "depot:allowedTrust" in trust, trust  # the allowlist refused it too, and said so safely
    assert depot.client().list_projects() == []
