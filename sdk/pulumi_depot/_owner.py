"""Each resource's provider instance, with the owner key that names the resource in the create journal, and the
journal's record of what the engine's state holds for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import pulumi
from pulumi_depot_provider.dynamic import DynamicProvider
from pulumi_depot_provider.resources.create_journal import CreateJournal

from pulumi_depot._checks import refuse_unsendable

P = TypeVar("P", bound=DynamicProvider)
# The program process's own create journal (the provider host's is its session's): the same files on disk.
JOURNAL = CreateJournal()


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


def settle(resource: pulumi.CustomResource, provider: DynamicProvider) -> None:
    """When the program receives the resource's id, the engine has recorded it in the stack's state: the create
    journal's record of an interrupted create (if any) is void, and the id is the one this resource holds. The
    provider cannot learn either for `pulumi up --replace`, where the engine calls neither Diff nor Check with
    the old state before it creates the replacement (the replacement would otherwise take the object it replaces
    for what an interrupted create left behind, or for a name collision)."""
    owner = provider.owner

    def record(id_: str | None) -> None:
        if id_:
            JOURNAL.done(owner, held_id=id_)

    resource.id.apply(record)
