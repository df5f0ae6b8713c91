"""depot:ProjectToken — a token scoped to one project, for that project's builds (their DEPOT_TOKEN).

description updates in place (UpdateToken); a new project_id or rotation_trigger replaces the token, creating the
new one before deleting the old, so a rotation never leaves builds without a working token. Depot shows a token's
secret once, when it is created: the `secret` output is kept from then on (and marked secret by the SDK).
"""

from __future__ import annotations

from typing import Annotated

import pulumi
from pydantic import Field, JsonValue

from pulumi_depot_provider.adapter import DepotProvider, DepotResourceError, PropertyDiff
from pulumi_depot_provider.client import DepotClient
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.exactly_once import create_exactly_once
from pulumi_depot_provider.resources.fields import (
    CREATE_ONLY,
    REPLACES,
    SECRET,
    UPDATES,
    InputModel,
    OutputModel,
    Text,
)

NOT_RECOVERABLE = (
    "(not recoverable: this token was adopted with import_id, and Depot shows a token's secret only when it is "
    "created; change rotation_trigger to replace it with a new token whose secret Pulumi keeps)"
)


class ProjectTokenArgs(InputModel):
    """A Depot project token: lets builds of one project authenticate to Depot."""

    project_id: Annotated[Text, REPLACES] = Field(description="The id of the project the token is scoped to.")
    description: Annotated[Text, UPDATES] = Field(description="What the token is for, as Depot lists it.")
    rotation_trigger: Annotated[JsonValue | None, REPLACES] = Field(
        None,
        description="Any value; changing it replaces the token with a new one (created before the old one is "
        "deleted), which is how tokens are rotated.",
    )
    import_id: Annotated[str | None, CREATE_ONLY] = Field(
        None,
        description="Adopt the existing token with this id (in project_id) instead of creating one. Its secret "
        "cannot be read back: `secret` then says so. Only consulted when the resource is created.",
    )


class ProjectTokenState(OutputModel):
    """The token's metadata as Depot has it, and the secret from its creation."""

    project_id: str
    description: str
    rotation_trigger: JsonValue | None = None
    import_id: str | None = None
    secret: Annotated[str, SECRET] = Field(
        description="The token itself (a Pulumi secret). For a token adopted by import_id it cannot be recovered, "
        "and this says so instead."
    )


def find_token(client: DepotClient, project_id: str, token_id: str) -> pb.ListTokensResponse.Token | None:
    return next((token for token in client.list_tokens(project_id) if token.token_id == token_id), None)


class ProjectTokenProvider(DepotProvider[ProjectTokenArgs, ProjectTokenState]):
    """Dynamic provider for depot:ProjectToken. Its import path is part of users' state: do not move it."""

    type_token = "depot:ProjectToken"
    args_model = ProjectTokenArgs
    state_model = ProjectTokenState

    def describe(self, model: ProjectTokenArgs | ProjectTokenState) -> str:
        return f"{model.description!r} in project {model.project_id}"

    def create_resource(self, client: DepotClient, args: ProjectTokenArgs) -> tuple[str, ProjectTokenState]:
        if args.import_id:
            return self._adopt(client, args)
        created = self._create_exactly_once(client, args)
        state = ProjectTokenState(
            project_id=args.project_id,
            description=args.description,
            rotation_trigger=args.rotation_trigger,
            secret=created.secret,
        )
        return created.token_id, state

    def read_resource(self, client: DepotClient, id_: str, state: ProjectTokenState) -> ProjectTokenState | None:
        token = find_token(client, state.project_id, id_)
        return None if token is None else state.model_copy(update={"description": token.description})

    def update_resource(
        self, client: DepotClient, id_: str, old: ProjectTokenState, new: ProjectTokenArgs, diff: PropertyDiff
    ) -> ProjectTokenState:
        if "description" in diff:
            client.update_token(id_, new.description)
        return old.model_copy(update={"description": new.description})

    def delete_resource(self, client: DepotClient, id_: str, state: ProjectTokenState) -> None:
        client.delete_token(id_)

    def _adopt(self, client: DepotClient, args: ProjectTokenArgs) -> tuple[str, ProjectTokenState]:
        assert args.import_id is not None
        token = find_token(client, args.project_id, args.import_id)
        if token is None:
            raise DepotResourceError(
                f"import_id {args.import_id!r}: project {args.project_id} has no token with this id; "
                "remove import_id to create a new token"
            )
        change = ""
        if token.description != args.description:
            client.update_token(token.token_id, args.description)
            change = f"; changed description: {token.description!r} -> {args.description!r}"
        pulumi.log.info(
            f"depot:ProjectToken {self.describe(args)}: adopted token {token.token_id} (its secret cannot be "
            f"recovered){change}"
        )
        state = ProjectTokenState(
            project_id=args.project_id,
            description=args.description,
            rotation_trigger=args.rotation_trigger,
            import_id=args.import_id,
            secret=NOT_RECOVERABLE,
        )
        return token.token_id, state

    def _create_exactly_once(self, client: DepotClient, args: ProjectTokenArgs) -> pb.CreateTokenResponse:
        """CreateToken without leaving an orphan after an ambiguous failure.

        A token that may have been created has a secret nobody received: tokens with the declared description
        that were not there before the call are deleted, then the call is made again.
        """
        before = {token.token_id for token in client.list_tokens(args.project_id)}
        return create_exactly_once(
            lambda: client.create_token(args.project_id, args.description),
            appeared=lambda: [
                token
                for token in client.list_tokens(args.project_id)
                if token.token_id not in before and token.description == args.description
            ],
            remove=lambda token: client.delete_token(token.token_id),
            name_of=lambda token: f"token {token.token_id}",
            label=f"depot:ProjectToken {self.describe(args)}",
            keep_found=False,
            lost="secret",
        )
