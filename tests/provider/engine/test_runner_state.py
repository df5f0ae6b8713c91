"""The runner's state: encrypted secrets, a save after every step (a failure halfway loses nothing), refresh and
destroy."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pulumi
import pytest
from programs.inputs_diff_provider import FAIL_DELETE_FILE
from programs.spec_program import Decl, SpecProgram
from pulumi_depot_provider.engine.props import Secret
from pulumi_depot_provider.engine.runner import Runner, RunnerError
from pulumi_depot_provider.engine.state import ResourceState, StackState, StateError, StateFile
from sample_provider import STORE_FILE, Record, load_journal, load_store

SAMPLE_DIR = Path(__file__).resolve().parent
SECRET_TEXT = "s3cret-value-that-must-not-leak"

MakeRunner = Callable[[Callable[[], None]], Runner]


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "stack" / "state.json"


@pytest.fixture
def make_runner(state_path: Path, data_dir: Path, sample_token: str) -> MakeRunner:
    def make(program: Callable[[], None]) -> Runner:
        return Runner(
            program,
            stack="dev",
            state=state_path,
            config={"sample:dataDir": str(data_dir), "sample:token": Secret(sample_token)},
            python_path=[SAMPLE_DIR],
        )

    return make


def load(state_path: Path) -> StackState:
    state = StateFile(state_path).load()
    assert state is not None
    return state


def by_name(state: StackState) -> dict[str, ResourceState]:
    return {entry.name: entry for entry in state.resources}


def test_secrets_are_encrypted_and_stay_marked(make_runner: MakeRunner, state_path: Path, sample_token: str) -> None:
    def program() -> None:
        record = Record(
            "secretive",
            {"name": "secretive", "secretValue": pulumi.Output.secret(SECRET_TEXT)},
            pulumi.ResourceOptions(additional_secret_outputs=["recordId"]),
        )
        pulumi.export("secret", pulumi.Output.secret(SECRET_TEXT))
        pulumi.export("recordId", record.recordId)

    runner = make_runner(program)
    runner.up()

    text = state_path.read_text()
    assert SECRET_TEXT not in text and sample_token not in text
    assert '"ciphertext"' in text
    assert stat.S_IMODE(os.stat(state_path.with_name("state.json.key")).st_mode) == 0o600

    state = load(state_path)
    record = by_name(state)["secretive"]
    assert record.inputs["secretValue"] == Secret(SECRET_TEXT)
    assert record.outputs["secretValue"] == Secret(SECRET_TEXT)
    assert record.outputs["recordId"] == Secret(record.id)  # additional_secret_outputs
    assert isinstance(record.inputs["__provider"], Secret)
    assert state.outputs == {"secret": Secret(SECRET_TEXT), "recordId": Secret(record.id)}
    raw = json.loads(text)["resources"][0]
    assert set(raw["outputs"]["recordId"]) == {"4dabf18193072939515e22adb298388d", "ciphertext"}

    # Read back and decrypted, the state diffs clean against the same program.
    assert runner.up().ops() == {"secretive": "same"}


def test_a_failure_halfway_keeps_what_was_created(make_runner: MakeRunner, state_path: Path, data_dir: Path) -> None:
    program = SpecProgram(
        records={
            "first": Decl(),
            "second": Decl(props={"failOnCreate": True}, note_from="first"),
            "third": Decl(note_from="second"),
        }
    )
    runner = make_runner(program)
    with pytest.raises(RunnerError, match=r"creating .*'second' failed: RuntimeError: refusing to create second"):
        runner.up()
    assert list(by_name(load(state_path))) == ["first"]
    (first_id,) = load_store(data_dir)

    del program.records["second"].props["failOnCreate"]
    summary = runner.up()

    assert summary.ops() == {"first": "same", "second": "create", "third": "create"}
    store = load_store(data_dir)
    assert len(store) == 3 and first_id in store
    assert load_journal(data_dir) == [("create", "first"), ("create", "second"), ("create", "third")]


def test_an_interrupted_replacement_deletes_its_old_half_next_time(
    make_runner: MakeRunner, state_path: Path, data_dir: Path
) -> None:
    program = SpecProgram(
        records={"a": Decl(props={"note": "one"}, options={"replace_on_changes": ["note"]}, inputs_diff=True)}
    )
    runner = make_runner(program)
    runner.up()
    (old_id,) = load_store(data_dir)

    program.records["a"].props["note"] = "two"
    (data_dir / FAIL_DELETE_FILE).touch()
    with pytest.raises(RunnerError, match=r"deleting .*'a' failed: RuntimeError: refusing to delete a") as raised:
        runner.up()
    assert raised.value.summary is not None
    assert raised.value.summary.ops() == {"a": "replace"}  # the replacement made before the delete failed
    pending = [entry for entry in load(state_path).resources if entry.pending_delete]
    assert [entry.id for entry in pending] == [old_id]
    assert len(load_store(data_dir)) == 2  # the replacement exists beside the old one

    (data_dir / FAIL_DELETE_FILE).unlink()
    preview = runner.preview()
    assert [(s.op, s.name) for s in preview.steps] == [("same", "a"), ("delete", "a")]
    runner.up()
    assert old_id not in load_store(data_dir) and len(load_store(data_dir)) == 1
    assert not any(entry.pending_delete for entry in load(state_path).resources)


def test_refresh_reads_out_of_band_changes_and_deletions(
    make_runner: MakeRunner, state_path: Path, data_dir: Path
) -> None:
    program = SpecProgram(records={"edited": Decl(props={"size": 2}), "vanished": Decl(), "untouched": Decl()})
    runner = make_runner(program)
    runner.up()
    ids = {name: entry.id for name, entry in by_name(load(state_path)).items()}
    store = load_store(data_dir)
    store[ids["edited"]]["size"] = 7
    del store[ids["vanished"]]
    (data_dir / STORE_FILE).write_text(json.dumps(store))

    summary = runner.refresh()

    assert summary.ops() == {"edited": "update", "vanished": "delete", "untouched": "same"}
    assert summary.step("edited").changed == ["size"]
    state = by_name(load(state_path))
    assert set(state) == {"edited", "untouched"}
    assert state["edited"].outputs["size"] == 7
    assert state["edited"].inputs["size"] == 7  # the provider returned inputs: the next diff is honest
    assert load_journal(data_dir) == [("create", "edited"), ("create", "vanished"), ("create", "untouched")]

    after = runner.up()
    assert after.ops() == {"edited": "update", "vanished": "create", "untouched": "same"}
    assert after.step("edited").changed == ["size"]
    assert sorted(fields.get("size") for fields in load_store(data_dir).values()) == [1, 1, 2]


def test_refresh_shows_what_the_providers_diff_sees(make_runner: MakeRunner, state_path: Path) -> None:
    # `extra` is an input the sample provider neither stores nor diffs: its read drops it from the inputs.
    runner = make_runner(SpecProgram(records={"a": Decl(props={"extra": "x"})}))
    runner.up()

    summary = runner.refresh()

    assert summary.ops() == {"a": "same"}  # the provider's diff of the refreshed state finds nothing to do
    assert "extra" not in load(state_path).resources[0].inputs  # but the state took the read inputs, as the engine
    assert runner.refresh().ops() == {"a": "same"}


def test_destroy_deletes_dependents_first_and_honours_retain(
    make_runner: MakeRunner, state_path: Path, data_dir: Path
) -> None:
    program = SpecProgram(
        components=["group"],
        records={
            "base": Decl(),
            "middle": Decl(note_from="base", parent="group"),
            "top": Decl(note_from="middle"),
            "kept": Decl(options={"retain_on_delete": True}),
        },
        exports={"baseId": ("recordId", "base")},
    )
    runner = make_runner(program)
    runner.up()

    summary = runner.destroy()

    deleted = [s.name for s in summary.steps]
    assert deleted.index("top") < deleted.index("middle") < deleted.index("base")
    assert deleted.index("middle") < deleted.index("group")
    assert summary.step("kept").retained is True
    assert [name for op, name in load_journal(data_dir) if op == "delete"] == ["top", "middle", "base"]
    assert [fields["name"] for fields in load_store(data_dir).values()] == ["kept"]
    state = load(state_path)
    assert (state.resources, state.outputs) == ([], {})
    assert runner.destroy().steps == []


def test_destroy_refuses_protected_before_deleting_anything(
    make_runner: MakeRunner, state_path: Path, data_dir: Path
) -> None:
    program = SpecProgram(records={"free": Decl(), "guarded": Decl(options={"protect": True})})
    runner = make_runner(program)
    runner.up()

    with pytest.raises(RunnerError, match=r"refusing to destroy: .*'guarded' protected"):
        runner.destroy()
    assert len(load_store(data_dir)) == 2
    assert len(load(state_path).resources) == 2


def test_state_of_another_stack_is_refused(make_runner: MakeRunner, state_path: Path, data_dir: Path) -> None:
    make_runner(SpecProgram(records={"a": Decl()})).up()
    other = Runner(SpecProgram(), stack="prod", state=state_path, config={"sample:dataDir": str(data_dir)})
    with pytest.raises(RunnerError, match=r"holds stack 'dev' of project 'project', not stack 'prod'"):
        other.preview()


def test_secrets_need_their_key(make_runner: MakeRunner, state_path: Path) -> None:
    make_runner(SpecProgram(records={"a": Decl()})).up()
    key_file = state_path.with_name("state.json.key")

    other = StateFile(state_path.parent / "other.json")
    other.save(StackState(project="p", stack="s", outputs={"x": Secret("y")}))
    key_file.write_bytes(other.key_path.read_bytes())
    with pytest.raises(StateError, match=r"does not decrypt with .*state\.json\.key"):
        StateFile(state_path).load()

    key_file.write_text("not a key\n")
    with pytest.raises(RunnerError, match=r"state\.json\.key does not hold a state key") as raised:
        make_runner(SpecProgram()).preview()
    assert "not a key" not in str(raised.value)

    key_file.unlink()
    with pytest.raises(RunnerError, match=r"key file .*state\.json\.key is missing"):
        make_runner(SpecProgram()).preview()


def test_save_is_atomic(state_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state_file = StateFile(state_path)
    state_file.save(StackState(project="p", stack="s", outputs={"generation": 1}))
    before = state_path.read_bytes()

    def crash(src: str, dst: str) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk pulled out"):
        state_file.save(StackState(project="p", stack="s", outputs={"generation": 2}))

    assert state_path.read_bytes() == before
    assert sorted(p.name for p in state_path.parent.iterdir()) == ["state.json"]  # no temporary file left


def test_malformed_state_is_reported_with_its_path(state_path: Path) -> None:
    state_path.parent.mkdir(parents=True)
    state_path.write_text("{not json")
    with pytest.raises(StateError, match=r"cannot read the state file .*state\.json"):
        StateFile(state_path).load()
    state_path.write_text(json.dumps({"version": 99}))
    with pytest.raises(StateError, match="not a version 1 runner state file"):
        StateFile(state_path).load()
