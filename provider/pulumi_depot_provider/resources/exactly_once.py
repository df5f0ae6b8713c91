"""Non-idempotent creates (CreateProject, AddTrustPolicy, CreateToken) without duplicates or orphans.

The client never retries these after an ambiguous failure (the request may have been committed). Here, before
calling again, we look at what appeared since the first call: either it is ours and is kept (extra copies from
several committed attempts are removed), or — when the answer itself mattered, like a token's secret — whatever
appeared is removed and the call is made again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TypeVar

import pulumi

from pulumi_depot_provider.client import DepotError, NotFound

ATTEMPTS = 3

T = TypeVar("T")


def create_exactly_once(
    create: Callable[[], T],
    *,
    appeared: Callable[[], Sequence[T]],
    remove: Callable[[T], None],
    name_of: Callable[[T], str],
    label: str,
    keep_found: bool = True,
    lost: str = "its answer",
) -> T:
    """Call `create`; after an ambiguous failure, `appeared()` lists what matches the request and was not there
    before (oldest first). With keep_found the first is the result; without, each is removed and `create` runs
    again. A certain failure, or an ambiguous one on the last attempt with nothing found, is raised.
    `name_of` names an object in the log ("project 7f76t7vghb"); `lost` says what a removed one took with it."""

    def remove_gone(item: T) -> None:
        with suppress(NotFound):
            remove(item)

    failure: DepotError | None = None
    for _ in range(ATTEMPTS):
        try:
            return create()
        except DepotError as error:
            if not error.ambiguous:
                raise
            failure = error
        found = list(appeared())
        if keep_found and found:
            ours, *extra = found
            for duplicate in extra:
                remove_gone(duplicate)
            pulumi.log.info(
                f"{label}: {failure.method} answered {failure.code.value} but had created {name_of(ours)}; using it"
            )
            return ours
        for orphan in found:
            remove_gone(orphan)
            pulumi.log.info(
                f"{label}: {failure.method} answered {failure.code.value} after creating {name_of(orphan)}, whose "
                f"{lost} was lost; removed it and trying again"
            )
    assert failure is not None
    raise failure
