"""The harness's reading of `pulumi preview --json` (the Pulumi CLI cycles rely on it; the CLI is not here)."""

from __future__ import annotations

from example_harness import preview_ops

STACK = "urn:pulumi:dev::depot-quickstart::pulumi:pulumi:Stack::depot-quickstart-dev"
PROVIDER = "urn:pulumi:dev::depot-quickstart::pulumi:providers:pulumi-python::default"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::depot-quickstart::{type_}::{name}"


def test_preview_ops_keeps_dynamic_resources_and_folds_a_replacement_into_one_op() -> None:
    trust = urn("pulumi-python:dynamic/depot:TrustPolicy", "github")
    digest = {
        "steps": [
            {"op": "same", "urn": STACK},
            {"op": "same", "urn": PROVIDER},
            {"op": "update", "urn": urn("pulumi-python:dynamic/depot:Project", "app")},
            {"op": "create-replacement", "urn": trust},
            {"op": "replace", "urn": trust},
            {"op": "delete-replaced", "urn": trust},
            {"op": "create", "urn": urn("depot:index:TenantProject$pulumi-python:dynamic/depot:Project", "t-acme")},
            {"op": "create", "urn": urn("depot:index:TenantProject", "acme")},
            {"op": "delete", "urn": urn("pulumi-python:dynamic/depot:ProjectToken", "old")},
        ],
        "changeSummary": {"update": 1, "replace": 1, "create": 2, "delete": 1, "same": 2},
    }
    assert preview_ops(digest) == {"app": "update", "github": "replace", "t-acme": "create", "old": "delete"}


def test_preview_ops_of_an_empty_preview() -> None:
    assert preview_ops({"steps": [], "changeSummary": {}}) == {}
