"""Every example's native twin (its README's "With the native plugin" edit applied) through the same full cycle
under the real `pulumi` as the example itself: the same steps and the same assertions on what Depot holds, with
the Depot resources served by the plugin pulumi-resource-depot (types depot:index:*) instead of the dynamic host.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import example_cycles
import pytest
from aws_local import AwsLocal
from conftest import MakeExampleStack
from example_cycles import CYCLES, Org
from example_harness import native_twin
from pulumi_stack import NATIVE_TYPES, PulumiStack, plaintext_in

PLUGIN = Path(sys.executable).with_name("pulumi-resource-depot")
WITHOUT_AWS = sorted(name for name in CYCLES if name != "tenant-tokens-aws")
AWS_SINKS = {"pulumi-python:dynamic/depot:AwsSecretsManagerToken", "pulumi-python:dynamic/depot:AwsSsmParameterToken"}


@pytest.fixture(autouse=True)
def _plugin_installed() -> None:
    if not PLUGIN.exists():
        pytest.fail(f"{PLUGIN} is missing: run `pip install -e .` (pyproject's [project.scripts])")


@pytest.mark.parametrize("example", WITHOUT_AWS)
def test_native_twin_full_cycle(example: str, native_example_stack: MakeExampleStack, depot: Org) -> None:
    deployer = native_example_stack(example)
    CYCLES[example](deployer, depot)
    assert deployer.depot_types and deployer.depot_types <= NATIVE_TYPES, deployer.depot_types


def test_native_twin_tenant_tokens_aws_full_cycle(
    depot: Org, aws: AwsLocal, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    """The Depot resources native, the AWS sinks still dynamic (the plugin's schema has no sinks), taking the
    native tokens' secrets; no token in any file the CLI wrote or in its output."""
    deployer = pulumi_stack(native_twin("tenant-tokens-aws", tmp_path / "programs"), depot, env=aws.env)
    deployer.set_config("depot:awsEndpointUrl", aws.url)
    seen = example_cycles.tenant_tokens_aws(deployer, depot)
    assert deployer.depot_types == NATIVE_TYPES - {"depot:index:TrustPolicy"} | AWS_SINKS, deployer.depot_types
    assert len(set(seen)) == 3  # acme's, acme's rotated, globex's
    needles = (depot.token, *set(seen))
    assert plaintext_in(deployer.work_dir, *needles) == []
    assert plaintext_in(deployer.program_dir, *needles) == []
    assert [n for n in needles if n in "\n".join(deployer.log)] == []
