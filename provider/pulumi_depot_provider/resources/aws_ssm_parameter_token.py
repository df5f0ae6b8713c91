"""depot:AwsSsmParameterToken — a Depot project token delivered to an SSM Parameter Store SecureString parameter.

The resource's id is the parameter's ARN. `name` and `region` replace it (the new parameter is written before the
old one is deleted); the value, kms_key_id and description converge with PutParameter (Overwrite), which makes a
new version of the parameter (the earlier ones stay in its history, `<name>:<version>`); tags are authoritative
when declared (managed-by=pulumi-depot is always added). A rotated depot:ProjectToken is written here before the
engine deletes the old token in Depot.

Drift (read, i.e. refresh): a parameter deleted by hand is gone (the next up creates it again); one whose value is
not the token, or that is no longer a SecureString, is recorded in `drift` (and the value dropped from the
outputs), and the next up writes the token again. SSM deletes a parameter at once: there is no recovery window.

Create finds the name taken: a parameter tagged managed-by=pulumi-depot (an interrupted earlier create) is taken
over; any other is refused, never overwritten.
"""

from __future__ import annotations

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
from pulumi_depot_provider.resources.fields import REPLACES, SECRET, UPDATES, InputModel
from pulumi_depot_provider.resources.stored import stored_provider
from pulumi_depot_provider.resources.values import DepotResourceError

SERVICE = "ssm"
SECURE_STRING = "SecureString"
NOT_FOUND = "ParameterNotFound"
RESOURCE_TYPE = "Parameter"


def _parameter_name(value: str) -> str:
    if "/" in value and not value.startswith("/"):
        raise ValueError("a hierarchical parameter name must start with '/', e.g. /depot/acme/token")
    bare = value.lstrip("/").lower()
    if bare.startswith(("aws", "ssm")):
        raise ValueError("a parameter name may not start with 'aws' or 'ssm' (AWS reserves them)")
    if value.count("/") > 15:
        raise ValueError("a parameter name has at most 15 levels")
    return value


ParameterName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1011, pattern=r"^[A-Za-z0-9_.\-/]+$"),
    AfterValidator(_parameter_name),
]


DEFAULT_KEY = "alias/aws/ssm"
"""What a SecureString without a KeyId of its own is encrypted with."""


class AwsSsmParameterTokenArgs(InputModel):
    """A Depot project token delivered to an SSM Parameter Store SecureString parameter: created with the token as
    its value and overwritten with the new token (a new parameter version) when the token rotates, before the old
    token is deleted in Depot."""

    resource_inputs = True

    name: Annotated[ParameterName, REPLACES] = Field(
        description="The parameter's name, e.g. /depot/acme/token (letters, digits and _.-/; a hierarchical name "
        "starts with '/')."
    )
    region: Annotated[AwsRegion, REPLACES] = Field(description="The AWS region of the parameter, e.g. us-east-1.")
    value: Annotated[str | None, SECRET] = secret_value_field("the parameter")
    value_known: Annotated[bool | None, NOT_COMPARED] = Field(None, description=VALUE_KNOWN_DOC)
    token_name: Annotated[str | None, NOT_COMPARED] = Field(None, description=TOKEN_NAME_DOC)
    kms_key_id: Annotated[KmsKeyId | None, UPDATES] = Field(
        None, description="The KMS key (id, ARN or alias) that encrypts the SecureString; not set: aws/ssm."
    )
    description: Annotated[Annotated[str, StringConstraints(max_length=1024)] | None, UPDATES] = Field(
        None, description="The parameter's description."
    )
    tags: Annotated[Tags | None, UPDATES] = Field(
        None,
        description="The parameter's tags (authoritative when declared: others are removed). "
        "managed-by=pulumi-depot is always added.",
    )


class AwsSsmParameterTokenState(TokenSinkState):
    """The parameter as AWS has it; the value is the token last written (a Pulumi secret)."""

    value: Annotated[str | None, SECRET] = Field(
        None,
        description="The token written as the parameter's value (a Pulumi secret). Absent after a refresh found it "
        "changed (see drift): the next up writes it again.",
    )
    arn: str = Field(description="The parameter's ARN (also the resource's id).")
    version: int | None = Field(None, description="The parameter's version holding the token.")


class AwsSsmParameterTokenResource(AwsTokenResource[AwsSsmParameterTokenArgs, AwsSsmParameterTokenState]):
    """depot:AwsSsmParameterToken. Its dynamic provider class (users' state) is AwsSsmParameterTokenProvider."""

    type_token = "depot:AwsSsmParameterToken"
    args_model = AwsSsmParameterTokenArgs
    state_model = AwsSsmParameterTokenState
    store = "SSM Parameter Store"

    def describe(self, model: AwsSsmParameterTokenArgs | AwsSsmParameterTokenState) -> str:
        return f"{model.name!r} in {model.region}"

    def create_resource(
        self, client: AwsClients, args: AwsSsmParameterTokenArgs
    ) -> tuple[str, AwsSsmParameterTokenState]:
        value = self.require_value(args)
        ssm = client.client(SERVICE, args.region)
        request = self._put_request(args, value)
        try:
            call(ssm.put_parameter, **request, Tags=aws_tags(args.tags))
        except AwsError as error:
            if error.code != "ParameterAlreadyExists":
                raise
            if not is_managed(self._tags(ssm, args.name)):
                raise DepotResourceError(
                    f"a parameter named {args.name!r} already exists in {args.region} and pulumi-depot did not "
                    "create it (it has no tag managed-by=pulumi-depot): choose another name, or delete that "
                    "parameter, or tag it managed-by=pulumi-depot to let this resource take it over and overwrite "
                    "its value"
                ) from None
            say.info(f"{self.type_token} {self.describe(args)}: took over the existing parameter")
        state = self._converge(ssm, args)
        return state.arn, state

    def read_resource(
        self, client: AwsClients, id_: str, state: AwsSsmParameterTokenState
    ) -> AwsSsmParameterTokenState | None:
        ssm = client.client(SERVICE, state.region)
        live = self._get(ssm, state.name)
        if live is None:
            return None
        drift: list[str] = []
        value = state.value
        if live.get("Type") != SECURE_STRING:
            drift.append(f"the parameter is a {live.get('Type')}, not a SecureString: up writes it again")
            value = None
        elif live.get("Value") != state.value:
            drift.append("the parameter's value is not the token (changed outside Pulumi): up writes it")
            value = None
        meta = self._metadata(ssm, state.name)
        kms_key_id = state.kms_key_id
        if kms_key_id is not None and not same_kms_key(meta.get("KeyId"), kms_key_id):
            kms_key_id = meta.get("KeyId") or DEFAULT_KEY
            drift.append(f"the parameter is encrypted with {kms_key_id}, not the declared KMS key: up re-encrypts it")
        return state.model_copy(
            update={
                "value": value,
                "version": live.get("Version"),
                "kms_key_id": kms_key_id,
                "description": meta.get("Description") if state.description is not None else None,
                "tags": user_tags(self._tags(ssm, state.name)) if state.tags is not None else None,
                "drift": drift or None,
            }
        )

    def update_resource(
        self,
        client: AwsClients,
        id_: str,
        old: AwsSsmParameterTokenState,
        new: AwsSsmParameterTokenArgs,
        diff: PropertyDiff,
    ) -> AwsSsmParameterTokenState:
        ssm = client.client(SERVICE, new.region)
        if self._get(ssm, new.name) is None:
            raise DepotResourceError(
                "the parameter was deleted outside Pulumi: run `pulumi refresh` (or `pulumi up --refresh`), then "
                "`pulumi up` creates it again"
            )
        return self._converge(ssm, new)

    def delete_resource(self, client: AwsClients, id_: str, state: AwsSsmParameterTokenState) -> None:
        ssm = client.client(SERVICE, state.region)
        try:
            call(ssm.delete_parameter, Name=state.name)
        except AwsError as error:
            if error.code != NOT_FOUND:
                raise

    # -- AWS --

    def _put_request(self, args: AwsSsmParameterTokenArgs, value: str) -> dict[str, Any]:
        request: dict[str, Any] = {"Name": args.name, "Value": value, "Type": SECURE_STRING}
        if args.kms_key_id is not None:
            request["KeyId"] = args.kms_key_id
        if args.description is not None:
            request["Description"] = args.description
        return request

    def _converge(self, ssm: Any, args: AwsSsmParameterTokenArgs) -> AwsSsmParameterTokenState:
        """Make the parameter hold what is declared, whatever state an earlier failure or a hand left it in."""
        value = self.require_value(args)
        live = self._get(ssm, args.name) or {}
        meta = self._metadata(ssm, args.name)
        stale = (
            live.get("Type") != SECURE_STRING
            or live.get("Value") != value
            or (args.kms_key_id is not None and not same_kms_key(meta.get("KeyId"), args.kms_key_id))
            or (args.description is not None and meta.get("Description") != args.description)
        )
        version = live.get("Version")
        arn = live.get("ARN")
        if stale:
            version = call(ssm.put_parameter, **self._put_request(args, value), Overwrite=True)["Version"]
        changes = tag_changes(self._tags(ssm, args.name), args.tags)
        if changes.removed:
            call(
                ssm.remove_tags_from_resource, ResourceType=RESOURCE_TYPE, ResourceId=args.name, TagKeys=changes.removed
            )
        if changes.set:
            call(
                ssm.add_tags_to_resource,
                ResourceType=RESOURCE_TYPE,
                ResourceId=args.name,
                Tags=[{"Key": k, "Value": v} for k, v in sorted(changes.set.items())],
            )
        if arn is None:
            arn = (self._get(ssm, args.name) or {}).get("ARN")
        if not arn:
            raise DepotResourceError("AWS did not report the parameter's ARN")
        return AwsSsmParameterTokenState(
            **args.model_dump(exclude={"value"}), value=value, arn=arn, version=version, drift=None
        )

    def _get(self, ssm: Any, name: str) -> dict[str, Any] | None:
        try:
            parameter: dict[str, Any] = call(ssm.get_parameter, Name=name, WithDecryption=True)["Parameter"]
            return parameter
        except AwsError as error:
            if error.code == NOT_FOUND:
                return None
            raise

    def _metadata(self, ssm: Any, name: str) -> dict[str, Any]:
        found = call(ssm.describe_parameters, ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}])
        return next((item for item in found.get("Parameters", []) if item.get("Name") == name), {})

    def _tags(self, ssm: Any, name: str) -> dict[str, str]:
        try:
            found = call(ssm.list_tags_for_resource, ResourceType=RESOURCE_TYPE, ResourceId=name)
        except AwsError as error:
            if error.code in ("InvalidResourceId", NOT_FOUND):
                return {}
            raise
        return tag_map(found.get("TagList"))


def __getattr__(name: str) -> Any:
    """AwsSsmParameterTokenProvider, the class users' state names, made by the dynamic front end (PEP 562)."""
    return stored_provider(__name__, name)
