"""What the generated ProjectToken and token sink classes call: the token's secret as state written before
``secret_known`` existed holds it, the ADOPTED marker of a token whose secret Pulumi does not hold, and a sink's
value inputs taken from a depot.ProjectToken."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.output import contains_unknowns
from pulumi_depot_provider.resources.project_token import LEGACY_ADOPTED_SECRET

if TYPE_CHECKING:
    from pulumi_depot.project_token import ProjectToken

__all__ = [
    "ADOPTED",
    "AdoptedTokenSecretError",
    "known_adopted",
    "read_legacy_secret",
    "secret_or_adopted",
    "token_value_inputs",
]


def read_legacy_secret(token: ProjectToken) -> None:
    """State written before secret_known existed holds LEGACY_ADOPTED_SECRET (a sentence) as an adopted token's
    secret and no secret_known, until a refresh or an update rewrites it: read it as the provider now does."""
    stored_secret = token.secret
    token.secret = stored_secret.apply(_without_legacy_text)
    token.secret_known = token.secret_known.apply(
        lambda known: known if known is not None else pulumi.Output.unsecret(stored_secret.apply(_known_from))
    )


def _without_legacy_text(secret: str | None) -> str | None:
    return None if secret == LEGACY_ADOPTED_SECRET else secret


def _known_from(secret: str | None) -> bool:
    return secret is not None and secret != LEGACY_ADOPTED_SECRET


class AdoptedTokenSecretError(pulumi.RunError):
    """A token adopted by import_id has no secret to forward (TenantProject.token_secret, TenantFleet.token_secrets
    and export). A pulumi.RunError: Pulumi reports its one-line message without a traceback and the deployment
    fails."""


class _Adopted:
    def __repr__(self) -> str:
        return "ADOPTED"


ADOPTED: Any = _Adopted()
"""What secret_or_adopted resolves to for a token whose secret Pulumi does not hold."""


def known_adopted(token: ProjectToken, *, adopting: bool) -> pulumi.Output[bool]:
    """Whether the token is known to be adopted by import_id: ``secret_known`` False, or -- while the token's
    outputs are not known, in a preview of its creation -- ``adopting`` (import_id is declared). Known even in a
    preview, so a refusal built on it fails the preview rather than the update after the adoption."""

    def decide(known: Any) -> bool:
        return adopting if contains_unknowns(known) else known is False

    return token.secret_known.apply(decide, run_with_unknowns=True)


def secret_or_adopted(token: ProjectToken) -> pulumi.Output[Any]:
    """``token.secret`` (a Pulumi secret), or ADOPTED when there is none: the token was adopted by import_id."""
    return pulumi.Output.secret(token.secret.apply(lambda secret: ADOPTED if secret is None else secret))


def _token_classes() -> tuple[type, ...]:
    """The ProjectToken classes a sink takes: this SDK's and, when installed, the native plugin's SDK's."""
    from pulumi_depot.project_token import ProjectToken  # imports this module

    try:
        from pulumi_depot_native import ProjectToken as NativeProjectToken
    except ImportError:
        return (ProjectToken,)
    return (ProjectToken, NativeProjectToken)


def token_value_inputs(
    sink: str,
    token: ProjectToken | None,
    value: pulumi.Input[str] | None,
    value_known: pulumi.Input[bool] | None,
    token_name: pulumi.Input[str] | None,
) -> dict[str, Any]:
    """The value, value_known and token_name inputs of a token sink: from ``token`` (a depot.ProjectToken) or from
    an explicit ``value``. The value is always registered as a Pulumi secret (encrypted in the state)."""
    if (token is None) == (value is None):
        raise TypeError(f"{sink}: give exactly one of token= (a depot.ProjectToken) or value= (the token, a secret)")
    secret: pulumi.Input[str | None] = value  # an adopted token's secret is None (refused by the sink's check)
    if token is not None:
        if not isinstance(token, _token_classes()):
            raise TypeError(f"{sink}: token= must be a depot.ProjectToken, not a {type(token).__name__}")
        secret = token.secret
        value_known = getattr(token, "secret_known", None) if value_known is None else value_known
        token_name = getattr(token, "_name", None) if token_name is None else token_name
    return {"value": pulumi.Output.secret(secret), "value_known": value_known, "token_name": token_name}
