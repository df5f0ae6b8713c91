"""The trust allowlist's sources and how they combine (allowlist.py), the stack's list captured in `__provider`,
and refusals that are safe to print. The engine-level proofs are tests/native/test_native_trust_allowlist.py and
tests/engine/test_trust_allowlist_dynamic.py."""

from __future__ import annotations

import base64
import contextvars
import json
import pickle
from pathlib import Path
from typing import Any

import dill
import pulumi
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi_depot_provider.allowlist import (
    AllowedTrust,
    Source,
    TrustRule,
    environment_sources,
    plugin_stack_allowed_trust,
    refused_keys,
    trust_rule,
)
from pulumi_depot_provider.config import ConfigurationError
from pulumi_depot_provider.resources.trust_policy import TrustPolicyProvider
from pulumi_depot_provider.resources.trust_policy_set import TrustPolicySetProvider

ACME = '{"github": ["Acme", "acme-labs"], "buildkite": ["acme"]}'


def config(**values: str) -> Config:
    return Config({f"depot:{key}": value for key, value in values.items()}, "depot")


def github(owner: str, repository: str = "api") -> dict[str, Any]:
    return {"repository_owner": owner, "repository": repository}


def test_sources_intersect_case_insensitively_and_each_one_can_refuse() -> None:
    stack = AllowedTrust(github=("Acme", "acme-labs"), buildkite=("acme",))
    ci = AllowedTrust(github=("ACME", "other"))
    assert stack.intersect(ci) == AllowedTrust(github=("Acme",))
    rule = TrustRule((Source("DEPOT_ALLOWED_TRUST", ci), Source("depot:allowedTrust", stack)))
    assert rule.effective() == AllowedTrust(github=("ACME",))
    assert rule.refusing("github", github("acme")) == []
    assert [s.name for s in rule.refusing("github", github("acme-labs"))] == ["DEPOT_ALLOWED_TRUST"]
    assert [s.name for s in rule.refusing("buildkite", {"organization_slug": "acme"})] == ["DEPOT_ALLOWED_TRUST"]
    assert [s.name for s in rule.refusing("github", github("evil"))] == ["DEPOT_ALLOWED_TRUST", "depot:allowedTrust"]
    assert rule.summary() == (
        "depot trust allowlist: GitHub owners ACME, no Buildkite organizations, no CircleCI organizations "
        "(from DEPOT_ALLOWED_TRUST and depot:allowedTrust)"
    )
    assert TrustRule().effective() is None and TrustRule().refusing("github", github("anyone")) == []


def test_a_provider_inherits_the_stack_list_and_its_own_only_narrows() -> None:
    env: dict[str, str] = {}
    inherits = trust_rule(ACME, config(token="t"), env)
    assert [s.name for s in inherits.sources] == ["depot:allowedTrust"]
    default = trust_rule(ACME, config(allowedTrust=ACME), env)  # a default provider: its config is the stack's
    assert default == inherits
    narrow = trust_rule(ACME, config(allowedTrust='{"github": ["acme", "evil"]}'), env)
    assert [s.name for s in narrow.sources] == ["depot:allowedTrust", "the provider's allowedTrust"]
    assert narrow.effective() == AllowedTrust(github=("Acme",))
    # A pickle from before the capture: the host's own configuration (the default provider's stack config).
    assert [s.name for s in trust_rule(None, config(allowedTrust=ACME), env).sources] == ["depot:allowedTrust"]
    assert trust_rule(None, config(allowedTrust="  "), env) == TrustRule()
    # Stack config set as a YAML object reaches the native plugin's configuration as an object.
    assert trust_rule(ACME, config(allowedTrust=json.loads(ACME)), env) == inherits  # type: ignore[arg-type]


def test_the_environment_list_comes_first_from_json_or_a_file(tmp_path: Path) -> None:
    listed = tmp_path / "allowed.json"
    listed.write_text('{"github": ["acme"]}')
    env = {"DEPOT_ALLOWED_TRUST": '{"github": ["acme", "acme-labs"]}', "DEPOT_ALLOWED_TRUST_FILE": str(listed)}
    sources = environment_sources(env)
    assert [(s.name, s.allowed) for s in sources] == [
        ("DEPOT_ALLOWED_TRUST", AllowedTrust(github=("acme", "acme-labs"))),
        (f"DEPOT_ALLOWED_TRUST_FILE ({listed})", AllowedTrust(github=("acme",))),
    ]
    rule = trust_rule('{"github": ["acme", "acme-labs", "evil"]}', config(), env)
    assert rule.effective() == AllowedTrust(github=("acme",))
    assert environment_sources({}) == []


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"DEPOT_ALLOWED_TRUST": ""}, "DEPOT_ALLOWED_TRUST is set but empty; set it to a JSON object such as"),
        ({"DEPOT_ALLOWED_TRUST": "github: [acme]"}, "DEPOT_ALLOWED_TRUST is not valid JSON (Expecting value"),
        ({"DEPOT_ALLOWED_TRUST": '["acme"]'}, "DEPOT_ALLOWED_TRUST[0]: give {kind: github, buildkite or circleci"),
        ({"DEPOT_ALLOWED_TRUST": '{"gitlab": []}'}, "DEPOT_ALLOWED_TRUST: unknown key 'gitlab'; set it to"),
        ({"DEPOT_ALLOWED_TRUST_FILE": " "}, "DEPOT_ALLOWED_TRUST_FILE is set but empty; set it to the path of a file"),
        (
            {"DEPOT_ALLOWED_TRUST_FILE": "/nonexistent/allowed.json"},
            "DEPOT_ALLOWED_TRUST_FILE names '/nonexistent/allowed.json', which cannot be read (No such file or "
            "directory); set it to the path of a file holding a JSON object such as",
        ),
    ],
)
def test_a_malformed_environment_list_names_the_variable_and_the_shape(
    env: dict[str, str], problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError) as error:
        environment_sources(env)
    assert problem in str(error.value)
    # A provider process with that environment reports it at check, for every trust resource, as one line.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    provider = TrustPolicyProvider()
    provider.configure(ConfigureRequest(config(token="t")))
    assert [(f.property, f.reason) for f in provider.resource().input_failures({"github": github("acme")})] == [
        ("", str(error.value))
    ]


def test_the_native_plugin_reads_the_stack_list_from_pulumi_config() -> None:
    assert plugin_stack_allowed_trust({"PULUMI_CONFIG": json.dumps({"allowedTrust": ACME, "token": "t"})}) == ACME
    assert plugin_stack_allowed_trust({"PULUMI_CONFIG": "{}"}) is None
    assert plugin_stack_allowed_trust({}) is None
    assert plugin_stack_allowed_trust({"PULUMI_CONFIG": "not json"}) is None


def test_the_pickle_carries_the_stack_list_from_the_program_and_never_a_secret() -> None:
    provider = TrustPolicySetProvider("proj/dev/depot:TrustPolicySet//api")
    plain = serialize_provider(provider)  # no allowlist set: the pickle is what it always was

    def in_program() -> str:  # set_all_config sets this context's config only (set_config would leak)
        pulumi.runtime.set_all_config({"depot:allowedTrust": ACME, "depot:token": "org-token-secret"})
        return serialize_provider(provider)

    captured = contextvars.copy_context().run(in_program)
    assert b"org-token-secret" not in base64.b64decode(captured)
    loaded = dill.loads(base64.b64decode(captured))
    assert type(loaded) is TrustPolicySetProvider and loaded.owner == provider.owner
    assert loaded.stack_allowed_trust == ACME
    # In the host of an explicit provider, which is configured with its own arguments only:
    loaded.configure(ConfigureRequest(config(token="t")))
    refused = loaded.resource().input_failures({"policies": [{"github": github("evil")}]})
    assert [f.reason.split(": trust policy")[0] for f in refused] == ["policies[0].github.repository_owner"]
    # The fleet report reads the refused keys back from the engine's text: the same wording, one place.
    assert refused_keys("\n".join(f.reason for f in refused)) == ["github:evil/api"]

    old = pickle.loads(base64.b64decode(plain))  # a pickle in existing state, before the capture
    assert old.stack_allowed_trust is None and old.__dict__ == {"owner": provider.owner}
    old.configure(ConfigureRequest(config(token="t")))
    assert old.resource().input_failures({"policies": [{"github": github("evil")}]}) == []  # as before


def test_a_refusal_never_prints_the_raw_value() -> None:
    provider = TrustPolicyProvider()
    provider.configure(ConfigureRequest(config(token="t", allowedTrust='{"github": ["acme"]}')))
    owner = "a\x1b[31mb\u202e" + "x" * 100_000
    [failure] = provider.resource().input_failures({"github": github(owner, "r\x1b")})
    assert failure.property == ""
    assert "\x1b" not in failure.reason and "\u202e" not in failure.reason
    assert len(failure.reason) < 600
    assert failure.reason.startswith("github.repository_owner: trust policy github:a\\x1b[31mb\\u202exxx")
    assert "add 'a\\x1b[31mb\\u202exxx" in failure.reason
