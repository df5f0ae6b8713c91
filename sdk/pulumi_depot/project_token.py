"""depot.ProjectToken: a token scoped to one Depot project, for that project's builds."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.output import contains_unknowns
from pulumi_depot_provider.resources.project_token import LEGACY_ADOPTED_SECRET, ProjectTokenProvider

from pulumi_depot._owner import provider_for, settle

__all__ = ["AdoptedTokenSecretError", "ProjectToken"]

SECRET_OUTPUTS = ["secret"]


class ProjectToken(pulumi.dynamic.Resource, module="depot", name="ProjectToken"):
    """A project token: builds of one project use it as ``DEPOT_TOKEN``.

    The resource's id is Depot's token id and ``secret`` is the token itself, a Pulumi secret (Depot shows it only
    when the token is created). ``description`` changes in place; a new ``project_id`` replaces the token, and so
    does any change of ``rotation_trigger`` -- the new token is created before the old one is deleted, which
    rotates it without downtime. ``import_id`` adopts an existing token: Depot cannot show its secret again, so
    ``secret`` is None and ``secret_known`` False (rotate it to get a token whose secret Pulumi keeps).

    Example::

        ci = depot.ProjectToken("ci", project_id=api.id, description="CI builds")
        pulumi.export("token", ci.secret)
    """

    project_id: pulumi.Output[str]
    """The id of the project the token is scoped to."""
    description: pulumi.Output[str]
    """What the token is for, as Depot lists it."""
    rotation_trigger: pulumi.Output[Any | None]
    """The declared rotation trigger."""
    import_id: pulumi.Output[str | None]
    """The id the token was adopted from, if it was adopted."""
    secret: pulumi.Output[str | None]
    """The token (a Pulumi secret) of a token this stack created; None for a token adopted by import_id, whose
    secret Depot cannot show again (``secret_known`` is then False). Never a placeholder text."""
    secret_known: pulumi.Output[bool]
    """Whether Pulumi holds the token's secret: True for a token this stack created, False for one adopted by
    import_id. To get a token whose secret Pulumi keeps, change ``rotation_trigger`` (with ``import_id`` removed):
    that replaces the adopted token with a new one."""

    def __init__(
        self,
        resource_name: str,
        *,
        project_id: pulumi.Input[str],
        description: pulumi.Input[str],
        rotation_trigger: pulumi.Input[Any] | None = None,
        import_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """
        :param resource_name: The Pulumi (logical) name of the resource.
        :param project_id: The project's id (e.g. ``project.id``).
        :param description: What the token is for (1 to 256 characters).
        :param rotation_trigger: Any value; changing it replaces the token with a new one (rotation).
        :param import_id: Adopt the existing token with this id (in project_id) instead of creating one.
        :param opts: Pulumi resource options; ``secret`` is always added to ``additional_secret_outputs``.
        """
        props: dict[str, Any] = {
            "project_id": project_id,
            "description": description,
            "rotation_trigger": rotation_trigger,
            "import_id": import_id,
            "secret": None,
            "secret_known": None,
        }
        secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        provider = provider_for(ProjectTokenProvider, resource_name, opts, props)
        super().__init__(
            provider,
            resource_name,
            props,
            pulumi.ResourceOptions.merge(opts, secret_outputs),
        )
        settle(self, provider)
        # State written before secret_known existed holds LEGACY_ADOPTED_SECRET (a sentence) as an adopted token's
        # secret and no secret_known, until a refresh or an update rewrites it: read it as the provider now does.
        stored_secret = self.secret
        self.secret = stored_secret.apply(_without_legacy_text)
        self.secret_known = self.secret_known.apply(
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
