"""Each resource's provider instance, with the owner key that names the resource in the create journal.

The program does not touch the journal: receiving a resource's id does not prove the engine recorded it. After a
second Ctrl-C the engine answers the program for a create that finished but skips its checkpoint
(engine/update.go, OnResourceStepPost), so only what the engine tells the provider (check with old inputs, diff,
read, update, delete) voids a record (see create_journal.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import pulumi
from pulumi_depot_provider.dynamic import DynamicProvider

from pulumi_depot._checks import refuse_unsendable

P = TypeVar("P", bound=DynamicProvider)


def provider_for(
    provider: type[P], resource_name: str, opts: pulumi.ResourceOptions | None, props: Mapping[str, Any]
) -> P:
    """The provider for one resource. Its owner, "<project>/<stack>/<type>/<parent name>/<name>", is unique per
    resource of a stack as URNs are in practice (a URN also holds the parent's type chain, which is not known
    synchronously here). First, ``props`` and the name are refused, naming the argument, if Pulumi could not send
    them (`refuse_unsendable`: a lone surrogate, or a value whose shape does not fit the input)."""
    refuse_unsendable(provider.type_token, resource_name, props, provider.args_model)
    parent = getattr(opts.parent, "_name", "") if opts and opts.parent else ""
    return provider(f"{pulumi.get_project()}/{pulumi.get_stack()}/{provider.type_token}/{parent}/{resource_name}")
