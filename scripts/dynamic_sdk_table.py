"""What the dynamic SDK's resource classes have that schema.json does not: scripts/gen_dynamic_sdk.py's table.

Per resource: the module's and the class's prose with an example, keywords only the SDK has (a token sink's
``token=``), statements that shape a value before it is sent (they call the hand-written helpers in
sdk/pulumi_depot: _claims, _tokens, _trust_entries) and names kept importable where they were before the modules
were generated.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Keyword:
    """A constructor keyword that is no property: it sets some (e.g. a token sink's token=)."""

    name: str
    annotation: str
    doc: str
    after: str


@dataclass(frozen=True)
class Extra:
    """What a resource's class has that the schema does not."""

    summary: str
    """The module's docstring after "depot.<Name>: "."""
    doc: str
    """The class docstring after the schema's description: notes and an example."""
    imports: tuple[str, ...] = ()
    reexports: tuple[tuple[str, str], ...] = ()
    """(module, name) kept importable from the generated module, where they were before it was generated."""
    exports: tuple[str, ...] = ()
    """Names added to __all__ (beside the class)."""
    keywords: tuple[Keyword, ...] = ()
    params: dict[str, str] = dataclasses.field(default_factory=dict)
    """A keyword's documentation instead of the schema's description."""
    prelude: tuple[str, ...] = ()
    """Statements before the props are built."""
    values: dict[str, str] = dataclasses.field(default_factory=dict)
    """Property -> the expression sent instead of the keyword itself."""
    after: tuple[str, ...] = ()
    """Statements after the resource is registered."""


TOKEN_KEYWORD = Keyword(
    "token",
    "ProjectToken | None = None",
    "The depot.ProjectToken whose secret to store (sets value, value_known and token_name).",
    after="region",
)
TOKEN_PARAMS = {
    "value": "Instead of token=: the token itself (always registered as a Pulumi secret).",
    "value_known": "With value=: False refuses (the token's secret is not held).",
    "token_name": "With value=: the token's name, for messages.",
}


def _sink_values(type_name: str) -> tuple[tuple[str, ...], dict[str, str]]:
    prelude = (f'delivered = token_value_inputs("depot.{type_name}", token, value, value_known, token_name)',)
    return prelude, {name: f'delivered["{name}"]' for name in ("value", "value_known", "token_name")}


EXTRAS: dict[str, Extra] = {
    "Project": Extra(
        summary="a Depot project (an isolated build cache) declared in a Pulumi program.",
        doc="""The resource's id is Depot's project id. name, region, cache_policy and hardware change in place;
organization_id replaces the project. Changing ``cache_reset_trigger`` resets the cache. ``import_id`` adopts an
existing project instead of creating one.

Example::

    api = depot.Project("api", name="api", region="us-east-1",
                        cache_policy=depot.CachePolicyArgs(keep_gb=50, keep_days=14),
                        hardware="HARDWARE_32X64")""",
    ),
    "TrustPolicy": Extra(
        summary="lets one CI pipeline build in a Depot project (OIDC trust).",
        doc="""The resource's id is Depot's trust policy id. Depot cannot change a policy, so any change replaces it
(the new policy is added before the old one is removed). ``import_id`` adopts an existing policy of
``project_id``. For additive use: a project whose trust policies a ``depot.TrustPolicySet`` owns cannot also have
TrustPolicy resources (the program fails naming both).

Example::

    depot.TrustPolicy("gh", project_id=api.id,
                      github=depot.GitHubTrustArgs(repository_owner="acme", repository="api"))""",
        imports=("from pulumi_depot._claims import claim_project",),
        values={"project_id": 'claim_project("TrustPolicy", resource_name, project_id)'},
    ),
    "ProjectToken": Extra(
        summary="a token scoped to one Depot project, for that project's builds.",
        doc="""Builds of the project use it as ``DEPOT_TOKEN``. The resource's id is Depot's token id and ``secret``
is the token itself, a Pulumi secret (Depot shows it only when the token is created). ``description`` changes in
place; a new ``project_id`` replaces the token, and so does any change of ``rotation_trigger`` -- the new token is
created before the old one is deleted, which rotates it without downtime. ``import_id`` adopts an existing token:
Depot cannot show its secret again, so ``secret`` is None and ``secret_known`` False (rotate it to get a token
whose secret Pulumi keeps).

Example::

    ci = depot.ProjectToken("ci", project_id=api.id, description="CI builds")
    pulumi.export("token", ci.secret)""",
        imports=("from pulumi_depot._tokens import read_legacy_secret",),
        reexports=(
            ("pulumi_depot._tokens", "ADOPTED"),
            ("pulumi_depot._tokens", "AdoptedTokenSecretError"),
            ("pulumi_depot._tokens", "known_adopted"),
            ("pulumi_depot._tokens", "secret_or_adopted"),
        ),
        exports=("AdoptedTokenSecretError",),
        after=("read_legacy_secret(self)",),
    ),
    "TrustPolicySet": Extra(
        summary="every trust policy of one Depot project, as one list reviewers can read.",
        doc="""Policies are named by key -- ``github:owner/repo``, ``buildkite:org-slug/pipeline-slug``,
``circleci:org-uuid/project-uuid`` -- and compared as a set (order does not matter; an entry declared twice fails
at check). Adopting a project whose policies already match changes nothing. Every preview compares the declared
list with the project's live policies: a policy added by hand in Depot is listed (one line per policy) and removed
by the next up; refresh records it in ``drift``. Deleting the set removes its policies.

A project with a TrustPolicySet may have no other TrustPolicySet and no plain ``depot.TrustPolicy``: the program
fails with an error naming both (see ``pulumi_depot._claims`` for when it is detected). Entries outside the stack
config ``depot:allowedTrust`` fail at preview.

Example::

    depot.TrustPolicySet("api-trust", project_id=api.id, policies=[
        depot.TrustPolicyEntryArgs(github=depot.GitHubTrustArgs(repository_owner="acme", repository="api")),
        depot.TrustPolicyEntryArgs(
            buildkite=depot.BuildkiteTrustArgs(organization_slug="acme", pipeline_slug="deploy")),
    ])""",
        imports=(
            "from pulumi_depot._claims import SET, claim_project",
            "from pulumi_depot._trust_entries import trust_entries",
        ),
        reexports=(
            ("pulumi_depot._inputs", "TrustPolicyEntryArgs"),
            ("pulumi_depot._outputs", "TrustPolicyEntry"),
            ("pulumi_depot._trust_entries", "PolicyLike"),
            ("pulumi_depot._trust_entries", "trust_entry"),
        ),
        exports=("TrustPolicyEntry", "TrustPolicyEntryArgs", "trust_entry"),
        params={
            "policies": "Every trust policy the project should have. Each entry is a TrustPolicyEntryArgs, or for "
            "short a GitHubTrustArgs, BuildkiteTrustArgs or CircleCITrustArgs, or a mapping such as "
            '``{"github": {"repository_owner": "acme", "repository": "api"}}``. ``[]`` removes them all; anything '
            "but a list is refused.",
        },
        # The entries first: a wrong policies value fails before the project is claimed.
        prelude=("entries = trust_entries(resource_name, policies)",),
        values={"project_id": "claim_project(SET, resource_name, project_id)", "policies": "entries"},
    ),
    "AwsSecretsManagerToken": Extra(
        summary="a Depot project token delivered to an AWS Secrets Manager secret.",
        doc="""The resource's id is the secret's ARN. The token is written as the secret's value; when the token
rotates (``rotation_trigger`` on the depot.ProjectToken), the engine creates the new token, this resource writes
it as the secret's AWSCURRENT version (the old one becomes AWSPREVIOUS), and only then is the old token deleted in
Depot. ``name`` and ``region`` replace the secret; everything else changes in place. A token adopted by
``import_id`` (whose secret Depot cannot show again) is refused with the fix, never stored as a placeholder.

Credentials: boto3's usual chain (AWS_PROFILE, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, roles). Stack config
``depot:awsEndpointUrl`` points it at another endpoint (moto, an AWS-compatible store). Needs the extra
``pulumi-depot[aws]`` (boto3).

Example::

    ci = depot.ProjectToken("acme-ci", project_id=acme.id, description="acme builds")
    depot.AwsSecretsManagerToken("acme-ci-secret", token=ci, name="depot/acme/token", region="us-east-1",
                                 reader_arns=["arn:aws:iam::111122223333:role/acme-builds"],
                                 kms_key_id="alias/depot-tokens", recovery_window_days=7)""",
        imports=(
            "from pulumi_depot._tokens import token_value_inputs",
            "from pulumi_depot.project_token import ProjectToken",
        ),
        exports=("token_value_inputs",),
        keywords=(TOKEN_KEYWORD,),
        params=TOKEN_PARAMS,
        prelude=_sink_values("AwsSecretsManagerToken")[0],
        values=_sink_values("AwsSecretsManagerToken")[1],
    ),
    "AwsSsmParameterToken": Extra(
        summary="a Depot project token delivered to an SSM Parameter Store SecureString parameter.",
        doc="""The resource's id is the parameter's ARN. ``name`` and ``region`` replace the parameter; everything
else changes in place. A token adopted by ``import_id`` is refused with the fix, never stored as a placeholder.
SSM deletes a parameter at once (no recovery window).

Credentials and endpoint as for depot.AwsSecretsManagerToken (boto3's chain; ``depot:awsEndpointUrl``).

Example::

    ci = depot.ProjectToken("acme-ci", project_id=acme.id, description="acme builds")
    depot.AwsSsmParameterToken("acme-ci-parameter", token=ci, name="/depot/acme/token", region="us-east-1")""",
        imports=(
            "from pulumi_depot._tokens import token_value_inputs",
            "from pulumi_depot.project_token import ProjectToken",
        ),
        keywords=(TOKEN_KEYWORD,),
        params=TOKEN_PARAMS,
        prelude=_sink_values("AwsSsmParameterToken")[0],
        values=_sink_values("AwsSsmParameterToken")[1],
    ),
}
