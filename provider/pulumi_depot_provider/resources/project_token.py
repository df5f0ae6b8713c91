"""depot:ProjectToken — a token scoped to one project, for that project's builds (their DEPOT_TOKEN).

description updates in place (UpdateToken, keeping the token's mark: see token_mark); a new project_id or
rotation_trigger replaces the token, creating the new one before deleting the old, so a rotation never leaves builds
without a working token. Depot shows a token's secret once, when it is created: the `secret` output is kept from
then on (and marked secret by the SDK). A token adopted by import_id has no `secret` output, and `secret_known`
(true only for a token this stack created) says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, JsonValue, model_validator

from pulumi_depot_provider import say
from pulumi_depot_provider.client import DepotClient, NotFound
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.core import DepotResource, Found, within_project
from pulumi_depot_provider.resources.diffs import DECLARED_INPUTS, PropertyDiff, declared_paths
from pulumi_depot_provider.resources.exactly_once import Claim, create_exactly_once, settle_leftovers
from pulumi_depot_provider.resources.fields import (
    CREATE_ONLY,
    REPLACES,
    SECRET,
    UPDATES,
    ImportId,
    InputModel,
    OutputModel,
    Text,
)
from pulumi_depot_provider.resources.stored import stored_provider
from pulumi_depot_provider.resources.token_mark import mark_of, marked, new_mark, plain
from pulumi_depot_provider.resources.values import DepotResourceError

LEGACY_ADOPTED_SECRET = (
    "(not recoverable: this token was adopted with import_id, and Depot shows a token's secret only when it is "
    "created; change rotation_trigger to replace it with a new token whose secret Pulumi keeps)"
)
"""What versions before `secret_known` stored as the `secret` of an adopted token. Not a token: reading such
state (refresh, update, delete) migrates it to no secret and secret_known false, and the SDK reads it the same way
until then."""


class ProjectTokenArgs(InputModel):
    """A Depot project token: lets builds of one project authenticate to Depot."""

    resource_inputs = True

    project_id: Annotated[Text, REPLACES] = Field(description="The id of the project the token is scoped to.")
    description: Annotated[Text, UPDATES] = Field(
        description="What the token is for (no control or invisible formatting characters). Depot lists it with "
        "the provider's mark after it, e.g. `CI builds [pulumi-depot 3f9a1c/8be20d47-k2m7qx]`, which says which "
        "stack and resource created the token; the state and this output hold the declared text."
    )
    rotation_trigger: Annotated[JsonValue | None, REPLACES] = Field(
        None,
        description="Any value; changing it replaces the token with a new one (created before the old one is "
        "deleted), which is how tokens are rotated.",
    )
    import_id: Annotated[ImportId | None, CREATE_ONLY] = Field(
        None,
        description="Adopt the existing token with this id (in project_id) instead of creating one. Depot shows a "
        "token's secret only when it is created, so an adopted token has no `secret` and `secret_known` is false. "
        "Only consulted when the resource is created. An empty string is refused: leave it out to create.",
    )


class ProjectTokenState(OutputModel):
    """The token's metadata as Depot has it, and the secret from its creation (none for an adopted token)."""

    project_id: str
    description: str
    rotation_trigger: JsonValue | None = None
    import_id: str | None = None
    secret: Annotated[str | None, SECRET] = Field(
        None,
        description="The token itself (a Pulumi secret), kept from its creation. Absent for a token adopted by "
        "import_id: Depot shows a token's secret only when it is created (see secret_known).",
    )
    secret_known: bool = Field(
        description="Whether Pulumi holds the token's secret: true for a token this stack created, false for one "
        "adopted by import_id, whose secret cannot be read back (to replace it with a new token whose secret Pulumi "
        "keeps: remove import_id, then change rotation_trigger)."
    )

    @model_validator(mode="before")
    @classmethod
    def _secret_known(cls, data: Any) -> Any:
        """secret_known follows from secret. State written before secret_known existed holds, for an adopted token,
        LEGACY_ADOPTED_SECRET in secret: that is no secret."""
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        if data.get("secret") == LEGACY_ADOPTED_SECRET:
            data.pop("secret")
        data["secret_known"] = data.get("secret") is not None
        return data


def find_token(client: DepotClient, project_id: str, token_id: str) -> pb.ListTokensResponse.Token | None:
    return next((token for token in client.list_tokens(project_id) if token.token_id == token_id), None)


class ProjectTokenResource(DepotResource[ProjectTokenArgs, ProjectTokenState]):
    """depot:ProjectToken. Its dynamic provider class, in users' state, is this module's ProjectTokenProvider."""

    type_token = "depot:ProjectToken"
    args_model = ProjectTokenArgs
    state_model = ProjectTokenState
    id_form = "<project id>/<token id>"

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
            secret_known=True,
        )
        return created.token_id, state

    def read_resource(self, client: DepotClient, id_: str, state: ProjectTokenState) -> ProjectTokenState | None:
        """The live description; the secret as the state has it. State written before secret_known arrives here
        migrated (ProjectTokenState reads LEGACY_ADOPTED_SECRET as no secret), so a refresh rewrites it."""
        token = find_token(client, state.project_id, id_)
        return None if token is None else state.model_copy(update={"description": plain(token.description)})

    def update_resource(
        self, client: DepotClient, id_: str, old: ProjectTokenState, new: ProjectTokenArgs, diff: PropertyDiff
    ) -> ProjectTokenState:
        if "description" in diff:
            token = find_token(client, old.project_id, id_)
            client.update_token(id_, marked(new.description, mark_of(token.description) if token else None))
        return old.model_copy(update={"description": new.description})

    def delete_resource(self, client: DepotClient, id_: str, state: ProjectTokenState) -> None:
        client.delete_token(id_)

    def find(self, client: DepotClient, id_: str) -> Found | None:
        """A token's secret cannot be read back: an imported token has none."""
        project_id, token_id = within_project(id_, "token")
        try:
            token = find_token(client, project_id, token_id)
        except NotFound:
            return None
        if token is None:
            return None
        description = plain(token.description)
        state = ProjectTokenState(project_id=project_id, description=description, secret_known=False)
        inputs: dict[str, Any] = {"project_id": project_id, "description": description}
        return token_id, {**state.outputs(), DECLARED_INPUTS: declared_paths(ProjectTokenArgs, inputs)}, inputs

    def _adopt(self, client: DepotClient, args: ProjectTokenArgs) -> tuple[str, ProjectTokenState]:
        assert args.import_id is not None
        token = find_token(client, args.project_id, args.import_id)
        if token is None:
            raise DepotResourceError(
                f"import_id {args.import_id!r}: project {args.project_id} has no token with this id; "
                "remove import_id to create a new token"
            )
        change = ""
        live, mark = plain(token.description), mark_of(token.description)
        if mark is not None and not mark.made_by(self.owner):
            mark = new_mark(self.owner)  # now this resource's: another's create must not take it for its leftover
        if marked(live, mark) != token.description or live != args.description:
            client.update_token(token.token_id, marked(args.description, mark))
        if live != args.description:
            change = f"; changed description: {live!r} -> {args.description!r}"
        say.info(
            f"{self.label} {self.describe(args)}: adopted token {token.token_id} (Depot cannot show its "
            f"secret again: no secret output, secret_known false){change}"
        )
        state = ProjectTokenState(
            project_id=args.project_id,
            description=args.description,
            rotation_trigger=args.rotation_trigger,
            import_id=args.import_id,
            secret_known=False,
        )
        return token.token_id, state

    def _create_exactly_once(self, client: DepotClient, args: ProjectTokenArgs) -> pb.CreateTokenResponse:
        """CreateToken without leaving an orphan, after an ambiguous failure or an interrupted earlier create.

        A token that may have been created has a secret nobody received. Before creating, what earlier creates of
        this resource left is settled (`settle_leftovers`). The token is created with this create's mark (see
        token_mark); after an ambiguous failure, the tokens carrying that mark (or, unmarked, the declared
        description) that were not there before are deleted, then the call is made again.
        """
        label = f"{self.label} {self.describe(args)}"
        claim = self._claim(client, args, label)
        known = client.ledger.tokens(args.project_id)
        tokens = client.list_tokens(args.project_id) if known is None else known
        removed = settle_leftovers(claim, tokens, args.description)
        before = {token.token_id for token in tokens} - removed
        claim.begin(before)
        mark = new_mark(self.owner)
        stored = marked(args.description, mark)

        def this_create(token: pb.ListTokensResponse.Token) -> bool:
            return token.token_id not in before and token.description == stored

        created = create_exactly_once(
            lambda: client.create_token(args.project_id, stored),
            appeared=lambda: [token for token in client.list_tokens(args.project_id) if this_create(token)],
            remove=lambda token: client.delete_token(token.token_id),
            name_of=lambda token: f"token {token.token_id}",
            label=label,
            keep_found=False,
            lost="secret",
        )
        claim.answered(created.token_id)
        return created

    def _claim(self, client: DepotClient, args: ProjectTokenArgs, label: str) -> Claim[pb.ListTokensResponse.Token]:
        return Claim(
            owner=self.owner,
            kind="token",
            identity={"project_id": args.project_id, "description": args.description},
            label=label,
            same=f"described {args.description!r} in project {args.project_id}",
            id_of=lambda token: token.token_id,
            remove=lambda token: client.delete_token(token.token_id),
            journal=self.session.journal,
        )


def __getattr__(name: str) -> Any:
    """ProjectTokenProvider, the dynamic provider class users' state names, made by the dynamic front end (PEP 562)."""
    return stored_provider(__name__, name)
