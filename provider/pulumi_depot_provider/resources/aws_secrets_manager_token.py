"""depot:AwsSecretsManagerToken — a Depot project token delivered to an AWS Secrets Manager secret.

The resource's id is the secret's ARN. `name` and `region` replace it (a new secret is written before the old one is
deleted); everything else converges in place:

- the value: a new token (a rotated depot:ProjectToken) is written with PutSecretValue, so it becomes the secret's
  AWSCURRENT version and the one before it AWSPREVIOUS. The engine creates the new token first, updates this sink,
  and deletes the old token only after every update of the deployment: builds always read a working token.
- kms_key_id, description, tags (authoritative when declared; managed-by=pulumi-depot is always added) and
  reader_arns (when declared, the secret's whole resource policy: read access for those principals, e.g. a tenant's
  role in its own account; [] removes the policy).

Drift (read, i.e. refresh): a secret deleted for good is gone (the next up creates it again); one scheduled for
deletion, or whose current value is not the token, or whose resource policy was edited, is recorded in `drift`
(and the value dropped from the outputs), and the next up converges it: a scheduled deletion is cancelled
(RestoreSecret: same ARN, same history) and the token written again as AWSCURRENT.

Create finds the name taken: a secret tagged managed-by=pulumi-depot (left by an interrupted create, or scheduled for
deletion by a destroy with a recovery window) is restored if need be and taken over; any other is refused.

Delete: DeleteSecret with recovery_window_days (7-30 days: restorable until then, and the name stays taken; 0:
deleted at once, ForceDeleteWithoutRecovery; not set: AWS's default, 30 days).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints

from pulumi_depot_provider import say
from pulumi_depot_provider.resources.aws_resource import AwsTokenResource
from pulumi_depot_provider.resources.aws_store import (
    NOT_COMPARED,
    TOKEN_NAME_DOC,
    VALUE_KNOWN_DOC,
    AwsClients,
    AwsError,
    AwsRegion,
    KmsKeyId,
    Tags,
    TokenSinkState,
    aws_tags,
    call,
    is_managed,
    same_kms_key,
    secret_value_field,
    tag_changes,
    tag_map,
    user_tags,
)
from pulumi_depot_provider.resources.diffs import PropertyDiff
from pulumi_depot_provider.resources.fields import REPLACES, SECRET, UPDATES, InputModel, WholeNumber
from pulumi_depot_provider.resources.stored import stored_provider
from pulumi_depot_provider.resources.values import DepotResourceError

SERVICE = "secretsmanager"
POLICY_SID = "DepotTokenRead"
READ_ACTIONS = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
NOT_FOUND = "ResourceNotFoundException"

SecretName = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=r"^[A-Za-z0-9/_+=.@-]+$")]
PrincipalArn = Annotated[
    str, StringConstraints(pattern=r"^(\d{12}|arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/:-]+)$")
]


def _recovery_window(value: int | None) -> int | None:
    if value is not None and value != 0 and not 7 <= value <= 30:
        raise ValueError("must be 0 (delete at once) or 7 to 30 days")
    return value


def _sorted_unique(value: list[str] | None) -> list[str] | None:
    return None if value is None else sorted(set(value))


DEFAULT_KEY = "aws/secretsmanager"
"""What a secret without a KmsKeyId of its own is encrypted with (DescribeSecret then reports none)."""


class AwsSecretsManagerTokenArgs(InputModel):
    """A Depot project token delivered to an AWS Secrets Manager secret: created with the token as its value,
    rotated in place (the new token becomes AWSCURRENT, the old one AWSPREVIOUS) before the old token is deleted
    in Depot, optionally readable by a tenant's role in another account through the secret's resource policy."""

    resource_inputs = True

    name: Annotated[SecretName, REPLACES] = Field(
        description="The secret's name, e.g. depot/acme/token (letters, digits and /_+=.@-, at most 512)."
    )
    region: Annotated[AwsRegion, REPLACES] = Field(description="The AWS region of the secret, e.g. us-east-1.")
    value: Annotated[str | None, SECRET] = secret_value_field("the secret")
    value_known: Annotated[bool | None, NOT_COMPARED] = Field(None, description=VALUE_KNOWN_DOC)
    token_name: Annotated[str | None, NOT_COMPARED] = Field(None, description=TOKEN_NAME_DOC)
    kms_key_id: Annotated[KmsKeyId | None, UPDATES] = Field(
        None,
        description="The KMS key (id, ARN or alias) that encrypts the secret; not set: aws/secretsmanager. A "
        "reader in another account needs a customer managed key whose key policy lets it decrypt.",
    )
    description: Annotated[Annotated[str, StringConstraints(max_length=2048)] | None, UPDATES] = Field(
        None, description="The secret's description."
    )
    tags: Annotated[Tags | None, UPDATES] = Field(
        None,
        description="The secret's tags (authoritative when declared: others are removed). managed-by=pulumi-depot "
        "is always added.",
    )
    reader_arns: Annotated[list[PrincipalArn] | None, AfterValidator(_sorted_unique), UPDATES] = Field(
        None,
        description="IAM principals (role or user ARNs, or account ids) allowed to read the secret, e.g. a "
        "tenant's build role in its own account. When declared it is the secret's whole resource policy "
        "(secretsmanager:GetSecretValue and DescribeSecret for them; [] removes the policy); not set: the policy "
        "is left alone.",
    )
    recovery_window_days: Annotated[WholeNumber | None, AfterValidator(_recovery_window), UPDATES] = Field(
        None,
        description="When the resource is deleted: 7 to 30 days during which the secret can be restored (and its "
        "name stays taken), or 0 to delete it at once. Not set: AWS's default, 30 days.",
    )


class AwsSecretsManagerTokenState(TokenSinkState):
    """The secret as AWS has it; the value is the token last written (a Pulumi secret)."""

    value: Annotated[str | None, SECRET] = Field(
        None,
        description="The token written as the secret's AWSCURRENT value (a Pulumi secret). Absent after a refresh "
        "found it changed or the secret scheduled for deletion (see drift): the next up writes it again.",
    )
    reader_arns: list[str] | None = None
    recovery_window_days: int | None = None
    arn: str = Field(description="The secret's ARN (also the resource's id).")
    version_id: str | None = Field(None, description="The id of the secret's AWSCURRENT version.")


def reader_policy(principals: list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": POLICY_SID,
                "Effect": "Allow",
                "Principal": {"AWS": principals},
                "Action": READ_ACTIONS,
                "Resource": "*",
            }
        ],
    }


def policy_readers(policy_text: str | None) -> tuple[list[str], bool]:
    """(principals the policy lets read, whether the policy is exactly the one pulumi-depot writes for them)."""
    if not policy_text:
        return [], True
    try:
        policy = json.loads(policy_text)
        statements = policy["Statement"]
        statements = [statements] if isinstance(statements, dict) else list(statements)
    except (ValueError, KeyError, TypeError):
        return [], False
    readers: set[str] = set()
    ours = len(statements) == 1
    for statement in statements:
        principal = statement.get("Principal", {}) if isinstance(statement, dict) else {}
        found = principal.get("AWS", []) if isinstance(principal, dict) else []
        readers.update([found] if isinstance(found, str) else found)
        actions = statement.get("Action") if isinstance(statement, dict) else None
        actions = [actions] if isinstance(actions, str) else actions
        allows_read = isinstance(statement, dict) and statement.get("Effect") == "Allow"
        if not allows_read or sorted(actions or []) != READ_ACTIONS:
            ours = False
    return sorted(readers), ours


class AwsSecretsManagerTokenResource(AwsTokenResource[AwsSecretsManagerTokenArgs, AwsSecretsManagerTokenState]):
    """depot:AwsSecretsManagerToken. Its dynamic provider class (users' state) is AwsSecretsManagerTokenProvider."""

    type_token = "depot:AwsSecretsManagerToken"
    args_model = AwsSecretsManagerTokenArgs
    state_model = AwsSecretsManagerTokenState
    store = "AWS Secrets Manager"

    def describe(self, model: AwsSecretsManagerTokenArgs | AwsSecretsManagerTokenState) -> str:
        return f"{model.name!r} in {model.region}"

    def create_resource(
        self, client: AwsClients, args: AwsSecretsManagerTokenArgs
    ) -> tuple[str, AwsSecretsManagerTokenState]:
        value = self.require_value(args)
        sm = client.client(SERVICE, args.region)
        live = self._describe(sm, args.name)
        if live is None:
            request: dict[str, Any] = {"Name": args.name, "SecretString": value, "Tags": aws_tags(args.tags)}
            if args.kms_key_id is not None:
                request["KmsKeyId"] = args.kms_key_id
            if args.description is not None:
                request["Description"] = args.description
            created = call(sm.create_secret, **request)
            return created["ARN"], self._converge(sm, created["ARN"], args)
        if not is_managed(tag_map(live.get("Tags"))):
            raise DepotResourceError(
                f"a secret named {args.name!r} already exists in {args.region} ({live['ARN']}) and pulumi-depot did "
                "not create it (it has no tag managed-by=pulumi-depot): choose another name, or delete that secret, "
                "or tag it managed-by=pulumi-depot to let this resource take it over and overwrite its value"
            )
        scheduled = " (it was scheduled for deletion: restored)" if live.get("DeletedDate") else ""
        say.info(f"{self.type_token} {self.describe(args)}: took over the existing secret {live['ARN']}{scheduled}")
        return live["ARN"], self._converge(sm, live["ARN"], args, live)

    def read_resource(
        self, client: AwsClients, id_: str, state: AwsSecretsManagerTokenState
    ) -> AwsSecretsManagerTokenState | None:
        sm = client.client(SERVICE, state.region)
        live = self._describe(sm, id_)
        if live is None:
            return None
        drift: list[str] = []
        value, version_id = state.value, state.version_id
        if live.get("DeletedDate"):
            drift.append(f"the secret is scheduled for deletion on {live['DeletedDate']:%Y-%m-%d}: up restores it")
            value = None
        else:
            current, version_id = self._current(sm, id_)
            if current is None:
                drift.append("the secret has no current value: up writes the token")
                value = None
            elif current != state.value:
                drift.append("the secret's current value is not the token (changed outside Pulumi): up writes it")
                value = None
        kms_key_id = state.kms_key_id
        if kms_key_id is not None and not same_kms_key(live.get("KmsKeyId"), kms_key_id):
            kms_key_id = live.get("KmsKeyId") or DEFAULT_KEY
            drift.append(f"the secret is encrypted with {kms_key_id}, not the declared KMS key: up re-encrypts it")
        tags = user_tags(tag_map(live.get("Tags"))) if state.tags is not None else None
        readers = None
        if state.reader_arns is not None:
            readers, ours = policy_readers(self._policy(sm, id_))
            if not ours:
                drift.append("the resource policy was changed outside Pulumi: up writes it again")
        return state.model_copy(
            update={
                "value": value,
                "version_id": version_id,
                "kms_key_id": kms_key_id,
                "description": live.get("Description") if state.description is not None else None,
                "tags": tags,
                "reader_arns": readers,
                "drift": drift or None,
            }
        )

    def update_resource(
        self,
        client: AwsClients,
        id_: str,
        old: AwsSecretsManagerTokenState,
        new: AwsSecretsManagerTokenArgs,
        diff: PropertyDiff,
    ) -> AwsSecretsManagerTokenState:
        self.require_value(new)
        return self._converge(client.client(SERVICE, new.region), id_, new)

    def delete_resource(self, client: AwsClients, id_: str, state: AwsSecretsManagerTokenState) -> None:
        sm = client.client(SERVICE, state.region)
        window = state.recovery_window_days
        request: dict[str, Any] = {"SecretId": id_}
        if window == 0:
            request["ForceDeleteWithoutRecovery"] = True
        elif window is not None:
            request["RecoveryWindowInDays"] = window
        try:
            call(sm.delete_secret, **request)
        except AwsError as error:
            if error.code == NOT_FOUND:
                return  # already gone
            if error.code == "InvalidRequestException" and window != 0 and self._scheduled(sm, id_):
                return  # already scheduled for deletion
            raise

    # -- AWS --

    def _converge(
        self, sm: Any, arn: str, args: AwsSecretsManagerTokenArgs, live: dict[str, Any] | None = None
    ) -> AwsSecretsManagerTokenState:
        """Make the secret hold what is declared, whatever state an earlier failure or a hand left it in."""
        value = self.require_value(args)
        live = live or self._describe(sm, arn)
        if live is None:
            raise DepotResourceError(
                "the secret was deleted outside Pulumi: run `pulumi refresh` (or `pulumi up --refresh`), then "
                "`pulumi up` creates it again"
            )
        if live.get("DeletedDate"):
            call(sm.restore_secret, SecretId=arn)
        current, version_id = self._current(sm, arn)
        key_changes = args.kms_key_id is not None and not same_kms_key(live.get("KmsKeyId"), args.kms_key_id)
        describe_changes = args.description is not None and live.get("Description") != args.description
        if key_changes or describe_changes:
            request: dict[str, Any] = {"SecretId": arn}
            if key_changes:
                # A new key encrypts new versions only: write the token again, as a version under the new key.
                request.update(KmsKeyId=args.kms_key_id, SecretString=value)
            if describe_changes:
                request["Description"] = args.description
            updated = call(sm.update_secret, **request)
            if key_changes:
                current, version_id = value, updated.get("VersionId", version_id)
        if current != value:
            version_id = call(sm.put_secret_value, SecretId=arn, SecretString=value)["VersionId"]
        changes = tag_changes(tag_map(live.get("Tags")), args.tags)
        if changes.removed:
            call(sm.untag_resource, SecretId=arn, TagKeys=changes.removed)
        if changes.set:
            call(sm.tag_resource, SecretId=arn, Tags=[{"Key": k, "Value": v} for k, v in sorted(changes.set.items())])
        if args.reader_arns is not None:
            readers, ours = policy_readers(self._policy(sm, arn))
            if not args.reader_arns:
                if readers or not ours:
                    call(sm.delete_resource_policy, SecretId=arn)
            elif readers != args.reader_arns or not ours:
                call(
                    sm.put_resource_policy,
                    SecretId=arn,
                    ResourcePolicy=json.dumps(reader_policy(args.reader_arns)),
                    BlockPublicPolicy=True,
                )
        return AwsSecretsManagerTokenState(
            **args.model_dump(exclude={"value"}), value=value, arn=arn, version_id=version_id, drift=None
        )

    def _describe(self, sm: Any, secret_id: str) -> dict[str, Any] | None:
        try:
            return call(sm.describe_secret, SecretId=secret_id)
        except AwsError as error:
            if error.code == NOT_FOUND:
                return None
            raise

    def _scheduled(self, sm: Any, secret_id: str) -> bool:
        live = self._describe(sm, secret_id)
        return live is None or bool(live.get("DeletedDate"))

    def _current(self, sm: Any, secret_id: str) -> tuple[str | None, str | None]:
        """The AWSCURRENT value and version id (None, None when the secret has no current version)."""
        try:
            found = call(sm.get_secret_value, SecretId=secret_id, VersionStage="AWSCURRENT")
        except AwsError as error:
            if error.code == NOT_FOUND:
                return None, None
            raise
        return found.get("SecretString"), found.get("VersionId")

    def _policy(self, sm: Any, secret_id: str) -> str | None:
        return call(sm.get_resource_policy, SecretId=secret_id).get("ResourcePolicy")


def __getattr__(name: str) -> Any:
    """AwsSecretsManagerTokenProvider, the class users' state names, made by the dynamic front end (PEP 562)."""
    return stored_provider(__name__, name)
