"""Fleet shards (pulumi_depot.fleet_shards): a tenant's shard is stable (explicit `shard:` or recorded once in the
shard file), new tenants fill shards up to the shard size, and a program given its shard declares only its tenants.
No engine: the assignment is pure, and the program runs in-process (testing/harness/dynamic_host)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi_depot as depot
import pytest
import yaml
from dynamic_host import ProgramError, run_program
from pulumi_depot.fleet_shards import ShardLock, assign, load_lock, lock_path, prune, read_lock, write_lock
from pulumi_depot.fleet_views import VIEW_ENV, write_view
from pulumi_depot.tenants_file import read_tenants_document

TENANT = "depot:index:TenantProject"


def fleet(*ids: str, **shards: str) -> depot.TenantsFile:
    tenants: list[dict[str, Any]] = [
        {"id": tenant, **({"shard": shards[tenant]} if tenant in shards else {})} for tenant in ids
    ]
    return depot.parse_tenants({"defaults": {"region": "us-east-1"}, "tenants": tenants})


def test_new_tenants_fill_shards_and_no_recorded_tenant_ever_moves(tmp_path: Path) -> None:
    first = assign(fleet("a", "b", "c", "d", "e"), ShardLock(), shard_size=2)
    assert first.lock.tenants == {"a": "shard-0", "b": "shard-0", "c": "shard-1", "d": "shard-1", "e": "shard-2"}
    assert first.assigned == first.lock.tenants and first.removed == {}
    assert first.shards() == ["shard-0", "shard-1", "shard-2"]

    lock_file = lock_path(tmp_path / "tenants.yaml")
    assert lock_file.name == "tenants.shards.yaml"
    write_lock(lock_file, first.lock, "tenants.yaml")
    assert load_lock(lock_file) == first.lock
    assert lock_file.read_text().startswith("# pulumi-depot fleet: the shard (stack) of each tenant of tenants.yaml")

    # Remove b, add f and g: nobody moves; f fills shard-2 (b's record stays until shard-0's up deletes it).
    second = assign(fleet("a", "c", "d", "e", "f", "g"), load_lock(lock_file), shard_size=2)
    assert {t: second.lock.tenants[t] for t in "acde"} == {t: first.lock.tenants[t] for t in "acde"}
    assert second.assigned == {"f": "shard-2", "g": "shard-3"}
    assert second.removed == {"b": "shard-0"}
    pruned = prune(second.lock, "shard-0", ["a", "c", "d", "e", "f", "g"])
    assert "b" not in pruned.tenants and pruned.tenants["a"] == "shard-0"
    # Once pruned, b's place in shard-0 is free for the next new tenant; the file's order decides who.
    third = assign(fleet("h", "a", "c", "d", "e", "f", "g"), pruned, shard_size=2)
    assert third.assigned == {"h": "shard-0"}


def test_explicit_shards_win_and_a_contradicting_record_is_refused() -> None:
    plan = assign(fleet("a", "b", "c", b="eu", c="shard-4"), ShardLock(), shard_size=1)
    assert plan.lock.tenants == {"a": "shard-0", "b": "eu", "c": "shard-4"}
    assert plan.shards() == ["shard-0", "shard-4", "eu"]
    with pytest.raises(depot.TenantsFileError) as refused:
        assign(fleet("a", "b", "c", a="eu"), plan.lock, source="tenants.yaml")
    [problem] = refused.value.problems
    assert problem == (
        "tenant 'a' (tenants[0]): shard: 'eu', but its resources are in shard 'shard-0'; run "
        "`pulumi-depot fleet move a --to eu` to move them, or set shard: shard-0"
    )


def test_bad_shard_names_in_tenants_and_shard_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(depot.TenantsFileError) as failure:
        depot.parse_tenants({"defaults": {"region": "us-east-1"}, "tenants": [{"id": "a", "shard": "EU west"}]})
    assert failure.value.problems == [
        "tenant 'a' (tenants[0]): shard: must be 1 to 40 lowercase letters, digits or '-', starting with a letter or "
        "digit (it names a stack) (got 'EU west')"
    ]
    with pytest.raises(depot.TenantsFileError, match=r"defaults: shard: unknown key"):
        depot.parse_tenants({"defaults": {"region": "us-east-1", "shard": "eu"}, "tenants": []})
    bad = tmp_path / "tenants.shards.yaml"
    bad.write_text("version: 1\ntenants: {acme: 'no/slash'}\n")
    with pytest.raises(depot.TenantsFileError, match=r"tenants\.acme: must be 1 to 40"):
        load_lock(bad)


def test_a_program_with_a_shard_declares_only_that_shards_tenants(tmp_path: Path) -> None:
    path = tmp_path / "tenants.yaml"
    document = {
        "defaults": {"region": "us-east-1"},
        "tenants": [{"id": "a"}, {"id": "b", "shard": "eu"}, {"id": "c"}, {"id": "new"}],
    }
    path.write_text(yaml.safe_dump(document))
    write_lock(lock_path(path), ShardLock(tenants={"a": "shard-0", "c": "shard-1"}), path.name)

    def tenants_of(stack: str, fleet: str | None = None) -> list[str]:
        config = {"pulumi-depot:fleet": fleet} if fleet is not None else {}
        run = run_program(lambda: depot.tenant_fleet_from_file(path), stack=stack, config=config)
        return [r.name for r in run.of_type(TENANT)]

    assert tenants_of("shard-0") == ["tenant-a", "tenant-b", "tenant-c", "tenant-new"]  # one stack: the whole file
    assert tenants_of("shard-0", '{"stackPrefix": ""}') == ["tenant-a"]
    assert tenants_of("prod-eu", '{"stackPrefix": "prod-"}') == ["tenant-b"]
    with pytest.raises(ProgramError, match=r"the stack 'dev' is not named prod-<shard>"):
        tenants_of("dev", '{"stackPrefix": "prod-"}')
    assert [
        r.name for r in run_program(lambda: depot.tenant_fleet_from_file(path, shard="shard-1")).of_type(TENANT)
    ] == ["tenant-c"]
    with pytest.raises(ProgramError, match=r"a fleet declared in code has no shards"):
        run_program(lambda: depot.TenantFleet("f", tenants=[depot.TenantArgs(id="a", region="us-east-1")], shard="x"))
    with pytest.raises(ProgramError, match=r"shard: the shard name 'A B' must be"):
        run_program(lambda: depot.tenant_fleet_from_file(path, shard="A B"))


def test_a_shard_program_reads_its_view_only_while_both_files_are_as_the_view_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pulumi-depot fleet` hands each shard's program a view of its own tenants (fleet_views), so that a program
    does not read the whole tenants file. The view here says eu-central-1 where the file says us-east-1, to show
    which one the program declared from."""
    path = tmp_path / "tenants.yaml"
    document = {"defaults": {"region": "us-east-1"}, "tenants": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}
    path.write_text(yaml.safe_dump(document))
    assigned = ShardLock(tenants={"a": "shard-0", "b": "shard-0", "c": "shard-1"})
    lock_sha256 = write_lock(lock_path(path), assigned, path.name)
    assert read_lock(lock_path(path)) == (assigned, lock_sha256)
    views = tmp_path / "views"
    views.mkdir()

    def view_of(lock_sha256: str | None, name: str) -> Path:
        view = write_view(views / name, path, read_tenants_document(path), lock_sha256, "shard-0", ["a", "b"])
        assert view is not None
        written = json.loads(view.read_text())
        assert [tenant["id"] for tenant in written["document"]["tenants"]] == ["a", "b"]
        written["document"]["defaults"]["region"] = "eu-central-1"
        view.write_text(json.dumps(written))
        return view

    (views / "now").mkdir()
    view = view_of(lock_sha256, "now")

    def declared(shard: str = "shard-0") -> dict[str, str]:
        run = run_program(lambda: depot.tenant_fleet_from_file(path, shard=shard))
        return {r.name: r.inputs["region"] for r in run.of_type("pulumi-python:dynamic/depot:Project")}

    assert declared() == {"tenant-a": "us-east-1", "tenant-b": "us-east-1"}  # no view named: the file
    monkeypatch.setenv(VIEW_ENV, str(view))
    assert declared() == {"tenant-a": "eu-central-1", "tenant-b": "eu-central-1"}  # the view
    assert declared("shard-1") == {"tenant-c": "us-east-1"}  # another shard's view: the file

    original = path.read_text()
    path.write_text(original + "# edited after the view was made\n")
    assert declared() == {"tenant-a": "us-east-1", "tenant-b": "us-east-1"}
    path.write_text(original)
    assert declared() == {"tenant-a": "eu-central-1", "tenant-b": "eu-central-1"}
    write_lock(lock_path(path), ShardLock(tenants={"a": "shard-0", "b": "shard-1", "c": "shard-1"}), path.name)
    assert declared() == {"tenant-a": "us-east-1"}  # the shard file changed: b is no longer shard-0's
    # A view made after that change, from a plan made before it, records the plan's shard file: not used.
    (views / "late").mkdir()
    monkeypatch.setenv(VIEW_ENV, str(view_of(lock_sha256, "late")))
    assert declared() == {"tenant-a": "us-east-1"}
    monkeypatch.setenv(VIEW_ENV, str(views / "gone.json"))
    assert declared() == {"tenant-a": "us-east-1"}
    # A shard file that cannot be read: the whole file's reading names it (no traceback from the view's check).
    monkeypatch.setenv(VIEW_ENV, str(view))
    lock_path(path).unlink()
    lock_path(path).mkdir()
    with pytest.raises(ProgramError, match=r"cannot read the shard file"):
        declared()
