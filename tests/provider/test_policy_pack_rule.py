"""The policy pack's rule (pulumi_depot_provider.policy) on pulumi-policy's own property proxies, and the command
that writes the pack. Under the real engine: tests/engine/test_policy_pack.py."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from pulumi_depot_provider.config import ConfigurationError
from pulumi_depot_provider.policy import parse_config, plain, violations
from pulumi_depot_provider.policy.__main__ import main
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

ALLOWED = parse_config({"allowedTrust": {"github": ["acme"], "circleci": ["11111111-2222-3333-4444-555555555555"]}})


def test_grants_not_known_at_preview_are_skipped_and_the_known_ones_checked() -> None:
    props = unknown_checking_proxy(
        {
            "projectId": UNKNOWN_STRING_VALUE,  # a native resource's inputs: the schema's camelCase names
            "policies": [
                {"github": {"repositoryOwner": UNKNOWN_STRING_VALUE, "repository": "api"}},
                UNKNOWN_STRING_VALUE,
                {"buildkite": {"organizationSlug": "evil", "pipelineSlug": "deploy"}},
                {"github": {"repositoryOwner": "Acme", "repository": "web"}},
            ],
        }
    )
    (message,) = violations("depot:index:TrustPolicySet", plain(props, UnknownValueError), ALLOWED)
    assert message.startswith(
        "policies[2].buildkite.organizationSlug: trust policy buildkite:evil/deploy is not allowed: "
    )
    assert "the policy pack's allowedTrust allows no Buildkite organizations" in message
    assert violations("pulumi-python:dynamic/depot:Project", {"name": "evil"}, ALLOWED) == []
    assert violations("aws:iam:Role", {"github": {"repository_owner": "evil"}}, ALLOWED) == []


def test_a_refused_value_is_escaped_and_cut() -> None:
    owner = "\u202eev\x1b[31mil" + "x" * 100_000
    (message,) = violations(
        "depot:index:TrustPolicy", {"github": {"repository_owner": owner, "repository": "a"}}, ALLOWED
    )
    assert "\x1b" not in message and "\u202e" not in message and len(message) < 600, message
    assert "\\x1b[31mil" in message


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (None, "the policy pack's allowedTrust is not set: give the pack a --policy-pack-config file"),
        ({"allowedTrust": ["acme"]}, "the policy pack's allowedTrust[0]: give {kind: github"),
        ({"allowedTrust": {"gitlab": ["acme"]}}, "the policy pack's allowedTrust: unknown key 'gitlab'"),
    ],
)
def test_a_missing_or_malformed_allowlist_names_the_pack_config(config: object, problem: str) -> None:
    with pytest.raises(ConfigurationError, match="^" + re.escape(problem)):
        parse_config(config)  # type: ignore[arg-type]


def test_the_pack_directory_runs_in_this_virtualenv_and_is_never_overwritten_silently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "pack")]) == 0
    pack = Path(capsys.readouterr().out.strip())
    assert sorted(p.name for p in pack.iterdir()) == ["PulumiPolicy.yaml", "__main__.py", "requirements.txt"]
    assert f"virtualenv: {json.dumps(sys.prefix)}\n" in (pack / "PulumiPolicy.yaml").read_text()
    assert main([str(pack)]) == 0  # the same files again: nothing to refuse
    (pack / "__main__.py").write_text("# edited\n")
    with pytest.raises(SystemExit):
        main([str(pack)])
    assert "already has a different __main__.py: pass --force" in capsys.readouterr().err
    assert main([str(pack), "--force", "--virtualenv", "venv"]) == 0
    assert 'virtualenv: "venv"\n' in (pack / "PulumiPolicy.yaml").read_text()
