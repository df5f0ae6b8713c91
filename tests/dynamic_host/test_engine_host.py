"""The real dynamic provider host, driven over gRPC the way the engine drives it."""

from __future__ import annotations

import os
from pathlib import Path

import grpc
import pytest
from dynamic_host.host import DynamicProviderHost, provider_input
from dynamic_host.props import UNKNOWN, Secret
from dynamic_host.results import CheckFailure, HostError, HostStartError
from dynamic_host.urn import make_urn
from sample_provider import RecordProvider, load_store

SAMPLE_DIR = Path(__file__).resolve().parent
URN = make_urn("pulumi-python:dynamic/sample:Record", "alpha")


def inputs(**fields: object) -> dict[str, object]:
    """What a sample_provider.Record sends: its fields and the secret ``__provider``."""
    return {"__provider": provider_input(RecordProvider()), **fields}


def create(host: DynamicProviderHost, **fields: object) -> tuple[str, dict[str, object], dict[str, object]]:
    """Check then Create, as the engine does for a new resource; returns (id, outputs, checked inputs)."""
    checked, failures = host.check(URN, {}, inputs(**fields))
    assert failures == []
    created = host.create(URN, checked)
    return created.id, created.outs, checked


def test_python_host_refuses_secrets_and_previews(host: DynamicProviderHost) -> None:
    assert host.configure({"sample:token": "t"}) is False
    assert host.accept_secrets is False
    assert host.supports_preview is False


def test_calls_before_configure_are_refused(host: DynamicProviderHost) -> None:
    with pytest.raises(RuntimeError, match="configure"):
        host.check(URN, {}, inputs(name="alpha"))


def test_configure_rejects_secret_keys_it_was_not_given(host: DynamicProviderHost) -> None:
    with pytest.raises(ValueError, match=r"sample:missing"):
        host.configure({"sample:token": "t"}, secret_keys={"sample:missing"})


def test_check_reports_failures_by_property(configured_host: DynamicProviderHost) -> None:
    _, failures = configured_host.check(URN, {}, inputs(size=0))
    assert sorted(f.property for f in failures) == ["name", "size"]
    assert CheckFailure("name", "name is required: a non-empty string") in failures


def test_check_returns_the_providers_defaults(configured_host: DynamicProviderHost) -> None:
    checked, failures = configured_host.check(URN, {}, inputs(name="alpha"))
    assert failures == []
    assert checked["size"] == 1
    assert checked["__provider"] == inputs()["__provider"]


def test_check_in_preview_passes_unknowns_through(configured_host: DynamicProviderHost) -> None:
    checked, failures = configured_host.check(URN, {}, inputs(name=UNKNOWN, note="n"), preview=True)
    assert failures == []
    assert checked["name"] is UNKNOWN


def test_check_outside_preview_drops_unknowns_as_the_engine_does(configured_host: DynamicProviderHost) -> None:
    checked, failures = configured_host.check(URN, {}, inputs(name=UNKNOWN))
    assert [f.property for f in failures] == ["name"]
    assert "name" not in checked


def test_diff_reports_replacement_and_no_change(configured_host: DynamicProviderHost) -> None:
    record_id, outs, checked = create(configured_host, name="alpha", note="first")

    same = configured_host.diff(URN, record_id, outs, checked, old_inputs=checked)
    assert same.changes == "none"

    renamed, _ = configured_host.check(URN, checked, inputs(name="beta", note="first"))
    replace = configured_host.diff(URN, record_id, outs, renamed, old_inputs=checked)
    assert (replace.changes, replace.replaces, replace.delete_before_replace) == ("some", ["name"], True)

    noted, _ = configured_host.check(URN, checked, inputs(name="alpha", note=UNKNOWN), preview=True)
    update = configured_host.diff(URN, record_id, outs, noted, old_inputs=checked, preview=True)
    assert (update.changes, update.replaces) == ("some", [])


def test_create_read_update_delete_round_trip(configured_host: DynamicProviderHost, data_dir: Path) -> None:
    record_id, outs, checked = create(configured_host, name="alpha", size=3)
    assert record_id.startswith("rec-")
    assert outs["recordId"] == record_id
    assert load_store(data_dir) == {record_id: {"name": "alpha", "size": 3}}

    read = configured_host.read(URN, record_id, outs, checked)
    assert read.id == record_id
    assert read.outs["size"] == 3
    assert read.inputs == {"name": "alpha", "size": 3, "__provider": checked["__provider"]}

    news, _ = configured_host.check(URN, checked, inputs(name="alpha", size=5))
    updated = configured_host.update(URN, record_id, outs, news, old_inputs=checked)
    assert updated["size"] == 5
    assert load_store(data_dir)[record_id]["size"] == 5

    configured_host.delete(URN, record_id, updated, old_inputs=news)
    assert load_store(data_dir) == {}
    gone = configured_host.read(URN, record_id, updated, news)
    assert gone.id == ""


def test_secrets_reach_the_provider_bare_and_come_back_secret(
    configured_host: DynamicProviderHost, data_dir: Path, sample_token: str
) -> None:
    record_id, outs, checked = create(configured_host, name="alpha", secretValue=Secret("s3cret"))
    # The host answered acceptSecrets=False, so the provider saw the bare value, not a secret envelope.
    assert load_store(data_dir)[record_id]["secretValue"] == "s3cret"
    assert outs["tokenLength"] == len(sample_token)  # the secret config value arrived unwrapped
    # The engine re-marks outputs whose same-named input was secret.
    assert checked["secretValue"] == Secret("s3cret")
    assert outs["secretValue"] == Secret("s3cret")
    assert isinstance(outs["__provider"], Secret)
    assert outs["name"] == "alpha"


def test_preview_create_and_update_do_not_reach_the_python_host(
    configured_host: DynamicProviderHost, data_dir: Path
) -> None:
    checked, _ = configured_host.check(URN, {}, inputs(name="alpha", note=UNKNOWN), preview=True)
    planned = configured_host.create(URN, checked, preview=True)
    assert planned.id == ""
    assert planned.outs == checked
    assert configured_host.update(URN, "rec-x", {}, checked, preview=True) == checked
    assert load_store(data_dir) == {}


def test_provider_exception_surfaces_as_host_error(configured_host: DynamicProviderHost) -> None:
    checked, _ = configured_host.check(URN, {}, inputs(name="alpha", failOnCreate=True))
    with pytest.raises(HostError) as raised:
        configured_host.create(URN, checked)
    assert raised.value.method == "Create"
    assert raised.value.status == grpc.StatusCode.UNKNOWN
    assert "refusing to create alpha: failOnCreate is set" in raised.value.details
    assert "refusing to create alpha" in str(raised.value)


def test_empty_id_from_create_is_rejected_as_the_engine_does(configured_host: DynamicProviderHost) -> None:
    checked, _ = configured_host.check(URN, {}, inputs(name="alpha", emptyId=True))
    with pytest.raises(HostError, match="empty ID") as raised:
        configured_host.create(URN, checked)
    assert raised.value.status is None


def test_host_process_group_is_gone_after_exit(data_dir: Path, sample_token: str) -> None:
    with DynamicProviderHost(python_path=[SAMPLE_DIR]) as host:
        pid = host.pid
        host.configure({"sample:dataDir": str(data_dir), "sample:token": sample_token})
        create(host, name="alpha")
        assert host.running
    assert not host.running
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
    # Output is kept for diagnostics, including what the provider printed.
    assert "creating alpha" in host.output()


def test_host_that_dies_on_startup_reports_its_stderr(tmp_path: Path) -> None:
    shadow = tmp_path / "pulumi"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('shadowed pulumi for the test')\n")
    host = DynamicProviderHost(python_path=[tmp_path], start_timeout=30)
    with pytest.raises(HostStartError, match="shadowed pulumi for the test"):
        host.start()
    assert not host.running
