"""Property values on the wire, checked against the Pulumi SDK's own (de)serializer."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from dynamic_host.props import (
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    PropertyError,
    Secret,
    annotate_secrets,
    contains_secrets,
    contains_unknowns,
    from_struct,
    mark_secret_outputs,
    strip_secrets,
    to_struct,
)
from dynamic_host.results import DiffResult
from dynamic_host.urn import make_urn, parse_urn
from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st
from pulumi.output import Unknown
from pulumi.runtime import rpc


def wire(props: dict[str, Any], *, keep_unknowns: bool = True, keep_secrets: bool = True) -> Any:
    return json_format.MessageToDict(to_struct(props, keep_unknowns=keep_unknowns, keep_secrets=keep_secrets))


def test_secret_is_the_signature_object_the_sdk_reads() -> None:
    struct = to_struct({"token": Secret("t0k"), "nested": {"list": [Secret(1)]}}, keep_unknowns=True, keep_secrets=True)
    assert json_format.MessageToDict(struct)["token"] == {SIG_KEY: SECRET_SIG, "value": "t0k"}
    assert SIG_KEY == "4dabf18193072939515e22adb298388d" and SECRET_SIG == "1b47061264138c4ac30d75fd1eb44270"
    seen_by_host = rpc.deserialize_properties(struct)
    assert rpc.is_rpc_secret(seen_by_host["token"]) and rpc.unwrap_rpc_secret(seen_by_host["token"]) == "t0k"


def test_unknown_is_the_sentinel_the_sdk_reads() -> None:
    struct = to_struct({"name": UNKNOWN, "list": [1, UNKNOWN]}, keep_unknowns=True, keep_secrets=True)
    assert json_format.MessageToDict(struct)["name"] == rpc.UNKNOWN
    seen_by_host = rpc.deserialize_properties(struct, keep_unknowns=True)
    assert isinstance(seen_by_host["name"], Unknown)
    assert from_struct(struct) == {"name": UNKNOWN, "list": [1.0, UNKNOWN]}


def test_without_keep_unknowns_unknowns_are_dropped_like_the_engine() -> None:
    assert wire({"a": UNKNOWN, "b": [UNKNOWN, 2], "c": {"d": UNKNOWN}}, keep_unknowns=False) == {"b": [2.0], "c": {}}


def test_without_keep_secrets_secrets_are_sent_bare() -> None:
    props = {"token": Secret("t0k"), "deep": {"x": [Secret({"y": 1})]}}
    assert wire(props, keep_secrets=False) == {"token": "t0k", "deep": {"x": [{"y": 1.0}]}}
    assert strip_secrets(props) == {"token": "t0k", "deep": {"x": [{"y": 1}]}}


def test_unknown_outputs_can_be_rejected_by_name() -> None:
    struct = to_struct({"outer": {"inner": UNKNOWN}}, keep_unknowns=True, keep_secrets=True)
    with pytest.raises(PropertyError, match=r"outer\.inner"):
        from_struct(struct, reject_unknowns=True)


def test_bad_values_are_named_with_their_path() -> None:
    with pytest.raises(PropertyError, match=r"spec\.items\[1\]: object is not a property value"):
        to_struct({"spec": {"items": [1, object()]}}, keep_unknowns=True, keep_secrets=True)


def test_unsupported_signatures_are_refused() -> None:
    struct = json_format.ParseDict(
        {"asset": {SIG_KEY: "c44067f5952c0a294b673a41bacd8c17", "text": "x"}},
        to_struct({}, keep_unknowns=True, keep_secrets=True),
    )
    with pytest.raises(PropertyError, match="asset values are not supported"):
        from_struct(struct)


def test_secret_never_shows_or_pickles_its_value() -> None:
    secret = Secret("hunter2")
    assert "hunter2" not in repr(secret) and "hunter2" not in str({"k": secret})
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps({"k": secret})
    assert copy.deepcopy(secret) == secret and Secret("a") != Secret("b")


def test_annotate_secrets_follows_the_engine_rule() -> None:
    outs = {"token": "t", "plain": "p", "obj": {"inner": "i", "other": "o"}, "list": [1], "extra": "e"}
    ins = {"token": Secret("t"), "plain": "p", "obj": {"inner": Secret("i")}, "list": [Secret(1)]}
    assert annotate_secrets(outs, ins) == {
        "token": Secret("t"),
        "plain": "p",
        "obj": {"inner": Secret("i"), "other": "o"},
        "list": Secret([1]),
        "extra": "e",
    }


def test_mark_secret_outputs_skips_id_and_absent_names() -> None:
    marked = mark_secret_outputs({"a": 1, "b": Secret(2), "id": "x"}, ["a", "b", "id", "missing"])
    assert marked == {"a": Secret(1), "b": Secret(2), "id": "x"}


def test_unknown_diff_is_resolved_by_comparing_inputs() -> None:
    unknown = DiffResult(changes="unknown")
    assert unknown.resolve({"a": 1, "b": None}, {"a": 1}).changes == "none"
    changed = unknown.resolve({"a": Secret(1), "b": 2}, {"a": 1, "b": 3, "c": 4})
    assert (changed.changes, changed.diffs) == ("some", ["b", "c"])
    assert DiffResult(changes="none").resolve({"a": 1}, {"a": 2}).changes == "none"


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=5), children, max_size=3)
        | children.map(Secret)
        | st.just(UNKNOWN)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_values_round_trip(props: dict[str, Any]) -> None:
    struct = to_struct(props, keep_unknowns=True, keep_secrets=True)
    assert from_struct(struct) == props
    assert contains_secrets(from_struct(struct)) == contains_secrets(props)
    assert contains_unknowns(from_struct(struct)) == contains_unknowns(props)


def test_urns_follow_the_engine_format() -> None:
    stack_urn = make_urn("pulumi:pulumi:Stack", "proj-dev", project="proj", stack="dev")
    top = make_urn("pulumi-python:dynamic/depot:Project", "web", project="proj", stack="dev", parent=stack_urn)
    assert top == "urn:pulumi:dev::proj::pulumi-python:dynamic/depot:Project::web"
    group = make_urn("depot:index:Tenant", "acme", parent=make_urn("depot:index:Fleet", "all"))
    child = make_urn("pulumi-python:dynamic/depot:Project", "a::b", parent=group)
    assert child == (
        "urn:pulumi:stack::project::depot:index:Fleet$depot:index:Tenant$pulumi-python:dynamic/depot:Project::a::b"
    )
    parsed = parse_urn(child)
    assert (parsed.type, parsed.name) == ("pulumi-python:dynamic/depot:Project", "a::b")
    with pytest.raises(ValueError, match="not a Pulumi URN"):
        parse_urn("depot:Project::web")


class _ByValue:
    """Pickled with its state (a dict), the case the SDK's piled-up pickle wrappers overflow on."""

    def __init__(self) -> None:
        self.settings = {"region": "us-east-1"}


def test_the_provider_input_never_piles_up_the_sdks_pickle_patch() -> None:
    """provider_input serializes as a program that imports pulumi_depot does: each call leaves pickle as it was.
    Bound to the SDK's own serialize_provider, ~1,000 calls (a long pytest session) made the next dict pickle
    recurse past Python's limit."""
    from dynamic_host.host import provider_input
    from pulumi_depot_provider.resources.project import ProjectProvider

    for _ in range(1_100):
        provider_input(ProjectProvider())
    assert provider_input(_ByValue())
