"""depot.ProjectToken: a token scoped to one Depot project, for that project's builds."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic
from pulumi_depot_provider.resources.project_token import ProjectTokenProvider

__all__ = ["ProjectToken"]

SECRET_OUTPUTS = ["secret"]


class ProjectToken(pulumi.dynamic.Resource, module="depot", name="ProjectToken"):
    """A project token: builds of one project use it as ``DEPOT_TOKEN``.

    The resource's id is Depot's token id and ``secret`` is the token itself, a Pulumi secret (Depot shows it only
    when the token is created). ``description`` changes in place; a new ``project_id`` replaces the token, and so
    does any change of ``rotation_trigger`` -- the new token is created before the old one is deleted, which
    rotates it without downtime. ``import_id`` adopts an existing token (its secret cannot be recovered).

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
    secret: pulumi.Output[str]
    """The token (a Pulumi secret); for an adopted token, a note that it cannot be recovered."""

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
        }
        secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        super().__init__(
            ProjectTokenProvider(), resource_name, props, pulumi.ResourceOptions.merge(opts, secret_outputs)
        )
