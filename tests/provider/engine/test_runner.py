"""The engine-shaped runner's up and preview: steps, their order as the provider saw it, and the options that
change them (protect, retain_on_delete, delete_before_replace, ignore_changes, replace_on_changes)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pulumi
import pytest
from programs.spec_program import Decl, SpecProgram
from pulumi_depot_provider.engine import runner as runner_module
from pulumi_depot_provider.engine.host import DynamicProviderHost
from pulumi_depot_provider.engine.props import UNKNOWN, Secret
from pulumi_depot_provider.engine.runner import Runner, RunnerError
from pulumi_depot_provider.engine.state import StateFile
from sample_provider import load_journal, load_store

SAMPLE_DIR = Path(__file__).resolve().parent
RECORD = "pulumi-python:dynamic/sample:Record"

MakeRunner = Callable[[Callable[[], None]], Runner]


@pytest.fixture
def make_runner(tmp_path: Path, data_dir: Path, sample_token: str) -> MakeRunner:
    def make(program: Callable[[], None]) -> Runner:
        return Runner(
            program,
            stack="dev",
            state=tmp_path / "state.json",
            config={"sample:dataDir": str(data_dir), "sample:token": Secret(sample_token)},
            python_path=[SAMPLE_DIR],
        )

    return make


def names_in_store(data_dir: Path) -> list[str]:
    return sorted(fields["name"] for fields in load_store(data_dir).values())


def test_up_creates_then_changes_nothing(make_runner: MakeRunner, data_dir: Path, tmp_path: Path) -> None:
    program = SpecProgram(records={"a": Decl(props={"size": 2}), "b": Decl(note_from="a")})
    runner = make_runner(program)

    first = runner.up()
    assert first.ops() == {"a": "create", "b": "create"}
    store = load_store(data_dir)
    state = StateFile(tmp_path / "state.json").load()
    assert state is not None
    ids = {entry.name: entry.id for entry in state.resources}
    assert set(store) == set(ids.values())
    assert store[ids["b"]]["note"] == ids["a"]  # a's real id flowed into b
    b_state = state.live(f"urn:pulumi:dev::project::{RECORD}::b")
    assert b_state is not None and b_state.dependencies == [f"urn:pulumi:dev::project::{RECORD}::a"]

    second = runner.up()
    assert second.ops() == {"a": "same", "b": "same"}
    assert not second.changes
    assert load_journal(data_dir) == [("create", "a"), ("create", "b")]
    assert "2 unchanged" in second.render()


def test_update_in_place_keeps_the_id(make_runner: MakeRunner, data_dir: Path) -> None:
    program = SpecProgram(records={"a": Decl(props={"size": 2})})
    runner = make_runner(program)
    runner.up()
    (record_id,) = load_store(data_dir)

    program.records["a"].props["size"] = 5
    summary = runner.up()

    step = summary.step("a")
    assert (step.op, step.changed) == ("update", ["size"])
    assert load_store(data_dir) == {record_id: {"name": "a", "size": 5}}
    assert load_journal(data_dir)[-1] == ("update", "a")


def test_replace_deletes_first_when_the_diff_asks(make_runner: MakeRunner, data_dir: Path) -> None:
    # The sample provider answers deleteBeforeReplace=True for a name change.
    program = SpecProgram(records={"a": Decl(props={"name": "first"}), "b": Decl(note_from="a")})
    runner = make_runner(program)
    runner.up()
    (old_id,) = [i for i, fields in load_store(data_dir).items() if fields["name"] == "first"]

    program.records["a"].props["name"] = "second"
    summary = runner.up()

    step = summary.step("a")
    assert (step.op, step.replace_keys, step.delete_before_replace) == ("replace", ["name"], True)
    assert summary.step("b").op == "update"  # its note is a's new id
    assert load_journal(data_dir)[2:] == [("delete", "first"), ("create", "second"), ("update", "b")]
    assert old_id not in load_store(data_dir)
    assert names_in_store(data_dir) == ["b", "second"]


def test_replace_creates_first_when_the_option_says_so(make_runner: MakeRunner, data_dir: Path) -> None:
    # delete_before_replace=False overrides the provider's answer: create the new one, update dependents, and
    # delete the old one after the program, with the other deletions.
    program = SpecProgram(
        records={
            "a": Decl(props={"name": "first"}, options={"delete_before_replace": False}),
            "b": Decl(note_from="a"),
        }
    )
    runner = make_runner(program)
    runner.up()

    program.records["a"].props["name"] = "second"
    summary = runner.up()

    step = summary.step("a")
    assert (step.op, step.delete_before_replace) == ("replace", False)
    assert load_journal(data_dir)[2:] == [("create", "second"), ("update", "b"), ("delete", "first")]
    assert names_in_store(data_dir) == ["b", "second"]
    assert runner.up().ops() == {"a": "same", "b": "same"}


def test_delete_before_replace_option_overrides_the_diff(make_runner: MakeRunner, data_dir: Path) -> None:
    program = SpecProgram(
        records={
            "a": Decl(
                props={"note": "one"},
                options={"replace_on_changes": ["note"], "delete_before_replace": True},
                inputs_diff=True,
            )
        }
    )
    runner = make_runner(program)
    runner.up()

    program.records["a"].props["note"] = "two"
    summary = runner.up()

    step = summary.step("a")
    assert (step.op, step.replace_keys, step.delete_before_replace) == ("replace", ["note"], True)
    assert load_journal(data_dir)[1:] == [("delete", "a"), ("create", "a")]


def test_replace_on_changes_applies_where_the_engine_compares_inputs(make_runner: MakeRunner, data_dir: Path) -> None:
    options = {"replace_on_changes": ["note"]}
    program = SpecProgram(
        records={
            "compared": Decl(props={"note": "one"}, options=options, inputs_diff=True),
            # The sample provider implements diff: the Python host then reports no changed keys, so the engine's
            # replace_on_changes has nothing to match and the change stays an update.
            "diffed": Decl(props={"note": "one"}, options=options),
        }
    )
    runner = make_runner(program)
    runner.up()

    for decl in program.records.values():
        decl.props["note"] = "two"
    summary = runner.up()

    compared, diffed = summary.step("compared"), summary.step("diffed")
    assert (compared.op, compared.changed, compared.replace_keys) == ("replace", ["note"], ["note"])
    assert compared.delete_before_replace is False
    assert (diffed.op, diffed.changed) == ("update", ["note"])
    assert ("delete", "compared") in load_journal(data_dir)
    assert sorted(fields["note"] for fields in load_store(data_dir).values()) == ["two", "two"]


@pytest.mark.parametrize("inputs_diff", [False, True], ids=["provider-diff", "engine-compares"])
def test_ignore_changes_keeps_the_old_value(make_runner: MakeRunner, data_dir: Path, inputs_diff: bool) -> None:
    program = SpecProgram(
        records={
            "a": Decl(props={"note": "kept", "size": 1}, options={"ignore_changes": ["note"]}, inputs_diff=inputs_diff)
        }
    )
    runner = make_runner(program)
    runner.up()

    program.records["a"].props["note"] = "ignored"
    assert runner.up().step("a").op == "same"
    program.records["a"].props["size"] = 2
    assert runner.up().step("a").changed == ["size"]

    (fields,) = load_store(data_dir).values()
    assert fields == {"name": "a", "note": "kept", "size": 2}


def test_undeclared_resources_are_deleted_dependents_first(make_runner: MakeRunner, data_dir: Path) -> None:
    program = SpecProgram(
        components=["group"],
        records={
            "base": Decl(),
            "middle": Decl(note_from="base", parent="group"),
            "top": Decl(note_from="middle", parent="group"),
            "kept": Decl(),
        },
    )
    runner = make_runner(program)
    runner.up()

    program.records = {"kept": program.records["kept"]}
    program.components = []
    summary = runner.up()

    deleted = [s.name for s in summary.steps if s.op == "delete"]
    assert sorted(deleted) == ["base", "group", "middle", "top"]

    def before(first: str, second: str) -> bool:
        return deleted.index(first) < deleted.index(second)

    assert before("top", "middle") and before("middle", "base")
    assert before("top", "group") and before("middle", "group")  # children go before their parent component
    assert load_journal(data_dir)[4:] == [("delete", "top"), ("delete", "middle"), ("delete", "base")]
    assert names_in_store(data_dir) == ["kept"]


def test_protect_refuses_deletion_before_anything_changes(make_runner: MakeRunner, data_dir: Path) -> None:
    program = SpecProgram(records={"guarded": Decl(options={"protect": True})})
    runner = make_runner(program)
    runner.up()

    program.records = {"newcomer": Decl()}
    with pytest.raises(RunnerError, match=r"refusing to delete .*'guarded'.*protected") as raised:
        runner.up()
    # The preview that up runs first found it: nothing was created or deleted.
    assert raised.value.summary is not None
    assert raised.value.summary.ops() == {"newcomer": "create", "guarded": "delete"}
    assert names_in_store(data_dir) == ["guarded"]
    assert load_journal(data_dir) == [("create", "guarded")]

    with pytest.raises(RunnerError, match="guarded"):
        runner.preview()


def test_protect_refuses_replacement(make_runner: MakeRunner, data_dir: Path) -> None:
    program = SpecProgram(records={"guarded": Decl(props={"name": "first"}, options={"protect": True})})
    runner = make_runner(program)
    runner.up()

    program.records["guarded"].props["name"] = "second"
    with pytest.raises(RunnerError, match=r"cannot replace .*'guarded' \(replace: name\): it is protected"):
        runner.up()
    with pytest.raises(RunnerError, match=r"cannot replace .*'guarded'"):
        runner.up(skip_preview=True)  # refused by the step itself too, not only by the preview
    assert names_in_store(data_dir) == ["first"]

    # Unprotecting and replacing in one run is allowed, as in the engine (the old resource was protected,
    # the new declaration is not).
    program.records["guarded"].options = {}
    assert runner.up().step("guarded").op == "replace"
    assert names_in_store(data_dir) == ["second"]


def test_retain_on_delete_forgets_without_deleting(make_runner: MakeRunner, data_dir: Path, tmp_path: Path) -> None:
    program = SpecProgram(records={"kept": Decl(options={"retain_on_delete": True}), "gone": Decl()})
    runner = make_runner(program)
    runner.up()

    program.records = {}
    summary = runner.up()

    assert summary.step("kept").retained is True
    assert summary.ops() == {"gone": "delete", "kept": "delete"}
    assert names_in_store(data_dir) == ["kept"]
    state = StateFile(tmp_path / "state.json").load()
    assert state is not None and state.resources == []


def test_preview_changes_nothing(make_runner: MakeRunner, data_dir: Path, tmp_path: Path) -> None:
    program = SpecProgram(
        records={"updated": Decl(), "renamed": Decl(), "removed": Decl(), "same": Decl()},
        exports={"renamedId": ("recordId", "renamed"), "plain": "value"},
    )
    runner = make_runner(program)
    runner.up()
    state_file = tmp_path / "state.json"
    before = (state_file.read_bytes(), load_store(data_dir), load_journal(data_dir))

    program.records["updated"].props["size"] = 4
    program.records["renamed"].props["name"] = "renamed-2"
    del program.records["removed"]
    program.records["added"] = Decl(note_from="renamed")
    summary = runner.preview()

    assert summary.operation == "preview"
    assert summary.ops() == {
        "updated": "update",
        "renamed": "replace",
        "same": "same",
        "added": "create",
        "removed": "delete",
    }
    assert summary.outputs["renamedId"] is UNKNOWN  # the replacement's id is not known in preview
    assert summary.outputs["plain"] == "value"
    assert (state_file.read_bytes(), load_store(data_dir), load_journal(data_dir)) == before
    assert "to replace" in summary.render()


def test_preview_without_state_writes_no_state(make_runner: MakeRunner, tmp_path: Path, data_dir: Path) -> None:
    summary = make_runner(SpecProgram(records={"a": Decl()})).preview()
    assert summary.ops() == {"a": "create"}
    assert not (tmp_path / "state.json").exists()
    assert load_store(data_dir) == {}


def test_check_failure_names_resource_and_property(make_runner: MakeRunner, data_dir: Path, tmp_path: Path) -> None:
    runner = make_runner(SpecProgram(records={"good": Decl(), "bad": Decl(props={"size": 0})}))
    with pytest.raises(RunnerError) as raised:
        runner.up()
    message = str(raised.value)
    assert f"{RECORD} 'bad' has a problem: size must be a number >= 1" in message
    assert "'bad.size'" in message
    assert load_store(data_dir) == {}  # failed in the preview, before anything was created
    assert not (tmp_path / "state.json").exists()


def test_components_are_recorded_without_provider_calls(make_runner: MakeRunner, tmp_path: Path) -> None:
    program = SpecProgram(components=["group"], records={"child": Decl(parent="group")})
    runner = make_runner(program)

    assert runner.up().ops() == {"group": "create", "child": "create"}
    assert runner.up().ops() == {"group": "same", "child": "same"}
    state = StateFile(tmp_path / "state.json").load()
    assert state is not None
    group, child = state.resources
    assert (group.name, group.custom, group.id) == ("group", False, "")
    assert child.parent == group.urn


def test_one_provider_host_per_operation(make_runner: MakeRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []

    class CountingHost(DynamicProviderHost):
        def start(self) -> None:
            super().start()
            started.append(self.pid)

    monkeypatch.setattr(runner_module, "DynamicProviderHost", CountingHost)
    runner = make_runner(SpecProgram(records={"a": Decl(), "b": Decl(note_from="a"), "c": Decl()}))
    runner.up()  # a preview and an update: two program runs, one host
    assert len(started) == 1
    runner.refresh()
    assert len(started) == 2


def test_provider_failure_stops_the_run_and_names_the_cause(make_runner: MakeRunner, data_dir: Path) -> None:
    program = SpecProgram(records={"a": Decl(), "b": Decl(props={"failOnCreate": True}, note_from="a")})
    with pytest.raises(RunnerError, match=r"creating .*'b' failed: RuntimeError: refusing to create b") as raised:
        make_runner(program).up()
    assert raised.value.summary is not None
    assert raised.value.summary.ops() == {"a": "create"}
    assert names_in_store(data_dir) == ["a"]


def test_stack_outputs_and_config_reach_the_program(make_runner: MakeRunner, sample_token: str) -> None:
    def program() -> None:
        config = pulumi.Config("sample")
        pulumi.export("dataDir", config.require("dataDir"))
        pulumi.export("token", config.require_secret("token"))

    summary = make_runner(program).up()
    assert summary.outputs["token"] == Secret(sample_token)
    assert summary.outputs["dataDir"].endswith("records")
    assert "[secret]" in summary.render() and sample_token not in summary.render()


def test_only_dynamic_resources_are_driven(make_runner: MakeRunner, tmp_path: Path) -> None:
    def program() -> None:
        pulumi.CustomResource("aws:s3/bucket:Bucket", "bucket", {})

    with pytest.raises(RunnerError, match=r"drives only dynamic resources"):
        make_runner(program).up()
    assert not (tmp_path / "state.json").exists()


def test_import_option_is_refused_with_the_reason(make_runner: MakeRunner, data_dir: Path) -> None:
    program = SpecProgram(records={"adopted": Decl(options={"import_": "rec-existing"})})
    with pytest.raises(RunnerError, match=r"'adopted': the `import_` option cannot work for a dynamic resource"):
        make_runner(program).preview()
    assert load_store(data_dir) == {}


def test_destroy_without_state_does_nothing(make_runner: MakeRunner, tmp_path: Path) -> None:
    assert make_runner(SpecProgram()).destroy().steps == []
    assert not (tmp_path / "state.json").exists()
