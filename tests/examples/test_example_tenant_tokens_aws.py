"""examples/tenant-tokens-aws through a full cycle under the real `pulumi`, against the local Depot API and moto's
server (the ``aws`` fixture) for Secrets Manager and SSM Parameter Store; no token in any file the CLI wrote or in
its output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import example_cycles
from aws_local import AwsLocal
from example_cycles import Org
from example_harness import copy_example
from pulumi_stack import PulumiStack, plaintext_in


def test_tenant_tokens_aws_full_cycle(
    depot: Org, aws: AwsLocal, tmp_path: Path, pulumi_stack: Callable[..., PulumiStack]
) -> None:
    deployer = pulumi_stack(copy_example("tenant-tokens-aws", tmp_path / "programs"), depot, env=aws.env)
    deployer.set_config("depot:awsEndpointUrl", aws.url)
    seen = example_cycles.tenant_tokens_aws(deployer, depot)
    assert len(set(seen)) == 3  # acme's, acme's rotated, globex's
    needles = (depot.token, *set(seen))
    assert plaintext_in(deployer.work_dir, *needles) == []
    assert plaintext_in(deployer.program_dir, *needles) == []
    assert [n for n in needles if n in "\n".join(deployer.log)] == []
