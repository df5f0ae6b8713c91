"""Pulumi programs run on the mock monitor, with every registration recorded."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pulumi
import pytest
from dynamic_host.host import DynamicProviderHost
from dynamic_host.program import ProgramError, RegisteredResource, run_program
from dynamic_host.props import UNKNOWN, Secret, mark_secret_outputs
from dynamic_host.urn import make_urn
from pulumi.runtime import settings as runtime_settings
from sample_provider import Record, load_store

RECORD_TYPE = "pulumi-python:dynamic/sample:Record"


def test_records_types_inputs_secrets_dependencies_and_options(sample_token: str) -> None:
    def program() -> None:
        first = Record("first", {"name": "first", "secretValue": pulumi.Config("sample").require_secret("token")})
        group = pulumi.ComponentResource("sample:index:Group", "group")
        Record(
            "second",
            {"name": "second", "note": first.id},
            pulumi.ResourceOptions(
                parent=group,
                protect=True,
                delete_before_replace=True,
                additional_secret_outputs=["recordId"],
                ignore_changes=["note"],
                replace_on_changes=["name"],
                retain_on_delete=True,
                import_="rec-existing",
                deleted_with=first,
                custom_timeouts=pulumi.CustomTimeouts(create="5m"),
            ),
        )
        pulumi.export("firstId", first.id)
        pulumi.export("token", pulumi.Config("sample").require_secret("token"))

    run = run_program(program, config={"sample:token": sample_token}, secret_keys=["sample:token"])

    assert [r.name for r in run.of_type(RECORD_TYPE)] == ["first", "second"]
    first, second, group = run.get("first"), run.get("second"), run.get("group")
    assert first.urn == "urn:pulumi:stack::project::pulumi-python:dynamic/sample:Record::first"
    assert second.urn == make_urn(RECORD_TYPE, "second", parent=group.urn)
    assert second.urn == "urn:pulumi:stack::project::sample:index:Group$pulumi-python:dynamic/sample:Record::second"
    assert (first.parent, second.parent) == (run.stack_urn, group.urn)
    assert (first.custom, group.custom) == (True, False)

    assert first.inputs["secretValue"] == Secret(sample_token)
    provider = first.inputs["__provider"]
    assert isinstance(provider, Secret)
    pickled = base64.b64decode(provider.value)
    assert b"sample_provider" in pickled and len(pickled) < 200  # by reference, not by value

    assert second.inputs["note"] == "first_id"
    assert second.dependencies == [first.urn]
    assert second.property_dependencies["note"] == [first.urn]
    assert (first.protect, first.delete_before_replace, first.retain_on_delete) == (None, None, None)
    assert second.protect is True
    assert second.delete_before_replace is True
    assert second.additional_secret_outputs == ["recordId"]
    assert second.ignore_changes == ["note"]
    assert second.replace_on_changes == ["name"]
    assert second.retain_on_delete is True
    assert second.import_id == "rec-existing"
    assert second.deleted_with == first.urn
    assert second.custom_timeouts == {"create": "5m"}

    assert (first.id, first.outputs) == ("first_id", first.inputs)
    assert (group.id, group.outputs) == ("", {})
    assert run.outputs == {"firstId": "first_id", "token": Secret(sample_token)}


def test_program_directory_runs_as_main_in_its_directory(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "notes.py").write_text("NOTE = 'from a sibling module'\n")
    (project / "__main__.py").write_text(
        "import os\n"
        "import pulumi\n"
        "from notes import NOTE\n"
        "from sample_provider import Record\n"
        "Record('fromfile', {'name': 'fromfile', 'note': NOTE})\n"
        "pulumi.export('cwd', os.getcwd())\n"
        "pulumi.export('dryRun', pulumi.runtime.is_dry_run())\n"
    )
    before = os.getcwd()

    for target in (project, project / "__main__.py"):
        run = run_program(target, preview=True)
        assert run.get("fromfile").inputs["note"] == "from a sibling module"
        assert run.outputs == {"cwd": str(project), "dryRun": True}
        assert os.getcwd() == before


def test_missing_program_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"__main__\.py"):
        run_program(tmp_path)


def test_preview_carries_unknown_outputs_into_dependent_inputs() -> None:
    def planned(record: RegisteredResource) -> tuple[str, dict[str, Any]]:
        return "", {**record.inputs, "recordId": UNKNOWN}

    def program() -> None:
        first = Record("first", {"name": "first"})
        Record("second", {"name": first.recordId})
        pulumi.export("firstRecordId", first.recordId)

    run = run_program(program, preview=True, new_resource=planned)
    assert run.preview is True
    assert run.get("second").inputs["name"] is UNKNOWN
    assert run.get("second").dependencies == [run.get("first").urn]
    assert run.outputs == {"firstRecordId": UNKNOWN}


def test_unknown_outputs_outside_preview_fail_the_program() -> None:
    with pytest.raises(ProgramError, match="outside preview"):
        run_program(lambda: Record("first", {"name": "first"}), new_resource=lambda r: ("x", {"recordId": UNKNOWN}))


def test_failing_program_raises_with_what_it_registered() -> None:
    def program() -> None:
        Record("first", {"name": "first"})
        raise ValueError("broken on purpose")

    with pytest.raises(ProgramError, match="broken on purpose") as raised:
        run_program(program)
    assert isinstance(raised.value.__cause__, ValueError)
    assert [r.name for r in raised.value.run.resources] == ["first"]


def test_runs_leave_no_runtime_state_behind() -> None:
    project_before = runtime_settings.get_project()

    first_run = run_program(
        lambda: Record("first", {"name": "first"}), project="other", stack="dev", config={"sample:token": "t"}
    )
    assert first_run.get("first").urn == "urn:pulumi:dev::other::pulumi-python:dynamic/sample:Record::first"

    assert runtime_settings.get_project() == project_before
    assert runtime_settings.get_root_resource() is None
    assert runtime_settings.is_dry_run() is False
    assert pulumi.Config("sample").get("token") is None
    second_run = run_program(lambda: Record("second", {"name": "second"}))
    assert [r.name for r in second_run.resources] == ["second"]


def test_programs_run_one_at_a_time() -> None:
    def nested() -> None:
        run_program(lambda: None)

    with pytest.raises(ProgramError, match="one at a time"):
        run_program(nested)


def test_program_against_the_real_provider_host(configured_host: DynamicProviderHost, data_dir: Path) -> None:
    def create_with_host(record: RegisteredResource) -> tuple[str, dict[str, Any]]:
        inputs, failures = configured_host.check(record.urn, {}, record.inputs)
        assert failures == []
        created = configured_host.create(record.urn, inputs)
        return created.id, mark_secret_outputs(created.outs, record.additional_secret_outputs)

    def program() -> None:
        alpha = Record(
            "alpha",
            {"name": "alpha", "secretValue": pulumi.Output.secret("s3cret")},
            pulumi.ResourceOptions(additional_secret_outputs=["recordId"]),
        )
        Record("beta", {"name": "beta", "note": alpha.recordId})
        pulumi.export("alphaRecordId", alpha.recordId)

    run = run_program(program, new_resource=create_with_host)

    alpha, beta = run.get("alpha"), run.get("beta")
    store = load_store(data_dir)
    assert set(store) == {alpha.id, beta.id}
    assert store[alpha.id]["secretValue"] == "s3cret"
    assert store[beta.id]["note"] == alpha.id  # the real ID flowed through the program, bare to the provider
    assert beta.inputs["note"] == Secret(alpha.id)  # secret in the program: additional_secret_outputs
    assert alpha.outputs["secretValue"] == Secret("s3cret")
    assert run.outputs == {"alphaRecordId": Secret(alpha.id)}


def test_provider_defined_in_main_pickles_by_value_into_the_host(host: DynamicProviderHost, tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text(
        "import pulumi\n"
        "from pulumi.dynamic import CreateResult, Resource, ResourceProvider\n"
        "GREETING = 'hello from __main__'\n"
        "class InlineProvider(ResourceProvider):\n"
        "    def create(self, props):\n"
        "        return CreateResult('inline-' + props['name'], {**props, 'greeting': GREETING})\n"
        "class Inline(Resource, module='inline', name='Thing'):\n"
        "    def __init__(self, name, props):\n"
        "        super().__init__(InlineProvider(), name, {**props, 'greeting': None})\n"
        "pulumi.export('greeting', Inline('one', {'name': 'one'}).greeting)\n"
    )
    host.configure({})

    def create_with_host(record: RegisteredResource) -> tuple[str, dict[str, Any]]:
        inputs, _ = host.check(record.urn, {}, record.inputs)
        created = host.create(record.urn, inputs)
        return created.id, created.outs

    run = run_program(tmp_path, new_resource=create_with_host)
    thing = run.get("one", "pulumi-python:dynamic/inline:Thing")
    assert thing.id == "inline-one"
    provider = thing.inputs["__provider"]
    assert isinstance(provider, Secret)
    assert b"InlineProvider" in base64.b64decode(provider.value)  # the class itself travels, by value
    assert run.outputs == {"greeting": "hello from __main__"}
