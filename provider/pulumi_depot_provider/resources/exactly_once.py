"""Non-idempotent creates (CreateProject, AddTrustPolicy, CreateToken) without duplicates or orphans.

The client never retries these after an ambiguous failure (the request may have been committed). Here, before
calling again, we look at what appeared since the first call: either it is ours and is kept (extra copies from
several committed attempts are removed), or — when the answer itself mattered, like a token's secret — whatever
appeared is removed and the call is made again. The look-up itself keeps trying, with backoff, for up to
LOOKUP_SECONDS: giving up early is what leaves an unrecorded object behind. If it never gets an answer, the create
journal (create_journal.py) still holds what was started, and the next `up` recovers it.

Before a create, `refuse_or_recover` settles objects that already have the new object's identity (a project's
name and region, a trust policy's provider fields): one that provably came from this resource's interrupted
create is recovered; any other is never silently duplicated — the create fails naming it and the fix. Tokens,
whose descriptions need not be unique, are settled by their mark instead (`settle_leftovers`).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, TypeVar, overload

from pulumi_depot_provider import say
from pulumi_depot_provider.client import Code, DepotError, NotFound, RetryPolicy
from pulumi_depot_provider.proto import pb
from pulumi_depot_provider.resources.core import import_id_fix
from pulumi_depot_provider.resources.create_journal import CreateJournal, split_ours
from pulumi_depot_provider.resources.token_mark import mark_of, plain, stack_of
from pulumi_depot_provider.resources.values import DepotResourceError

# Creates that failed, and whose look-up found nothing, are made again: up to ATTEMPTS times within the look-up
# budget. At 20% unavailable up front plus 20% commit-then-unavailable, 5 attempts leave one create in 170 failed
# (several per fleet of hundreds); 12 leave one in five million.
ATTEMPTS = 12
LOOKUP_SECONDS = 120.0
LOOKUP_SECONDS_ENV = "PULUMI_DEPOT_LOOKUP_SECONDS"
# Between look-ups, and between a create and its retry once nothing was found: 0.5 s doubling to 10 s, jittered.
BACKOFF = RetryPolicy(max_attempts=1_000, initial_backoff=0.5, max_backoff=10.0)
_random = random.Random()

T = TypeVar("T")
Found = TypeVar("Found")  # what a look-up finds: the created type itself, or a listing's item (keep_found=False)


class Unsettled(DepotError):
    """A create whose outcome could not be learnt in time (code: the look-up's last failure)."""

    def __init__(self, code: Code, message: str, *, method: str) -> None:
        super().__init__(message, method=method)
        self.code = code


def lookup_seconds() -> float:
    """How long a create keeps looking for what an ambiguous failure may have created ($PULUMI_DEPOT_LOOKUP_SECONDS,
    default LOOKUP_SECONDS)."""
    given = os.environ.get(LOOKUP_SECONDS_ENV, "")
    try:
        seconds = float(given) if given else LOOKUP_SECONDS
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise DepotResourceError(f"{LOOKUP_SECONDS_ENV}={given!r}: must be a positive number of seconds")
    return seconds


def keep_looking(appeared: Callable[[], Sequence[T]], failure: DepotError, label: str) -> list[T]:
    """appeared(), retried with backoff while Depot cannot answer, for up to lookup_seconds()."""
    budget = lookup_seconds()
    deadline = time.monotonic() + budget
    retry = 0
    while True:
        try:
            return list(appeared())
        except DepotError as error:
            retry += 1
            delay = BACKOFF.backoff(retry, _random)
            if not error.retryable or time.monotonic() + delay > deadline:
                raise Unsettled(
                    error.code,
                    f"{failure.method} answered {failure.code.value}, and whether it created anything could not "
                    f"be learnt within {budget:g} s ({error.method}: {error.code.value}: {error.message}); "
                    "the create journal keeps what was started: run `up` again to recover it",
                    method=failure.method,
                ) from error
            say.info(
                f"{label}: looking for what {failure.method} created: {error.method} answered {error.code.value}; "
                f"trying again in {delay:.1f} s"
            )
            time.sleep(delay)


@overload
def create_exactly_once(
    create: Callable[[], T],
    *,
    appeared: Callable[[], Sequence[T]],
    remove: Callable[[T], None],
    name_of: Callable[[T], str],
    label: str,
    keep_found: Literal[True] = True,
    lost: str = "its answer",
) -> T: ...


@overload
def create_exactly_once(
    create: Callable[[], T],
    *,
    appeared: Callable[[], Sequence[Found]],
    remove: Callable[[Found], None],
    name_of: Callable[[Found], str],
    label: str,
    keep_found: Literal[False],
    lost: str = "its answer",
) -> T: ...


def create_exactly_once(
    create: Callable[[], T],
    *,
    appeared: Callable[[], Sequence[Found]],
    remove: Callable[[Found], None],
    name_of: Callable[[Found], str],
    label: str,
    keep_found: bool = True,
    lost: str = "its answer",
) -> T | Found:
    """Call `create`; after an ambiguous failure, `appeared()` lists what matches the request and was not there
    before (oldest first). With keep_found the first is the result; without, each is removed and `create` runs
    again. A certain failure, or an ambiguous one on the last attempt with nothing found, is raised.
    `name_of` names an object in the log ("project 7f76t7vghb"); `lost` says what a removed one took with it."""

    def remove_gone(item: Found) -> None:
        with suppress(NotFound):
            remove(item)

    failure: DepotError | None = None
    deadline = time.monotonic() + lookup_seconds()
    for attempt in range(1, ATTEMPTS + 1):
        if failure is not None:
            delay = BACKOFF.backoff(attempt - 1, _random)
            if time.monotonic() + delay > deadline:
                break
            time.sleep(delay)
        try:
            return create()
        except DepotError as error:
            if not error.ambiguous:
                raise
            failure = error
        found = keep_looking(appeared, failure, label)
        if keep_found and found:
            ours, *extra = found
            for duplicate in extra:
                remove_gone(duplicate)
            say.info(
                f"{label}: {failure.method} answered {failure.code.value} but had created {name_of(ours)}; using it"
            )
            return ours
        for orphan in found:
            remove_gone(orphan)
            say.info(
                f"{label}: {failure.method} answered {failure.code.value} after creating {name_of(orphan)}, whose "
                f"{lost} was lost; removed it and trying again"
            )
    assert failure is not None
    raise failure


@dataclass(frozen=True)
class Claim(Generic[T]):
    """What a create is about to make, for settling objects that already have its identity.

    owner: the Pulumi resource (None when unknown: nothing can then be proven ours). identity: what names the
    object (recorded in the journal). same: how the refusal says what collides ("named 'api' in us-east-1").
    adopt: the fix the refusal gives for an object's id (ResourceCore.adopt_fix: import_id, or the engine's import).
    journal: the session's create journal.
    """

    owner: str | None
    kind: str
    identity: dict[str, str]
    label: str
    same: str
    id_of: Callable[[T], str]
    remove: Callable[[T], None]
    journal: CreateJournal
    created_at: Callable[[T], datetime | None] = lambda _: None
    adopt: Callable[[str], str] = import_id_fix

    def begin(self, before: Iterable[str]) -> None:
        self.journal.begin(self.owner, self.kind, self.identity, before)

    def answered(self, created_id: str) -> None:
        self.journal.answered(self.owner, created_id)

    def interrupted(self, existing: Sequence[T]) -> tuple[list[T], list[T]]:
        """(the existing objects that provably came from this owner's interrupted create, the others)."""
        entry = self.journal.pending(self.owner, self.kind, self.identity)
        return split_ours(entry, existing, self.id_of, self.created_at)


def recover_or_refuse(claim: Claim[T], existing: Sequence[T]) -> T | None:
    """For objects Depot lets exist twice but users mean once (a project name, a trust policy): the object an
    interrupted create of this resource left behind is recovered (extra copies removed); any other is refused,
    naming it and the fix, rather than silently duplicated. None: nothing has this identity yet."""
    ours, others = claim.interrupted(existing)
    replaced = claim.journal.held(claim.owner)
    others = [item for item in others if claim.id_of(item) not in replaced]  # the one a replacement replaces
    if others:
        ids = ", ".join(claim.id_of(item) for item in others)
        first = claim.id_of(others[0])
        raise DepotResourceError(
            f"{claim.label}: create refused: {claim.kind} {ids} is already {claim.same}, and this stack does not "
            f"hold it (it was not created by an interrupted create of this resource on this machine). Adopt it "
            f"with {claim.adopt(first)}, or delete it in Depot, then run up again. If this create replaces the "
            "resource that holds it (`pulumi up --replace`, replace_with), the engine does not say so: run "
            "`pulumi preview` on this machine first, which records what the stack holds, or give it "
            "delete_before_replace=True"
        )
    if not ours:
        return None
    kept, *extra = ours
    for duplicate in extra:
        with suppress(NotFound):
            claim.remove(duplicate)
    say.info(
        f"{claim.label}: recovered {claim.kind} {claim.id_of(kept)}, created by an interrupted earlier create of "
        "this resource" + (f" (removed {len(extra)} extra copies)" if extra else "")
    )
    claim.answered(claim.id_of(kept))
    claim.journal.recovered(claim.owner, claim.id_of(kept))
    return kept


def remove_interrupted(claim: Claim[T], existing: Sequence[T], lost: str) -> list[T]:
    """For objects whose create answer cannot be read back (a token's secret): whatever an interrupted create of
    this resource left behind is removed. Others with the same identity are left alone: a token's description
    need not be unique (a rotation creates the successor while its predecessor still exists)."""
    ours, _ = claim.interrupted(existing)
    for orphan in ours:
        with suppress(NotFound):
            claim.remove(orphan)
        say.info(
            f"{claim.label}: removed {claim.kind} {claim.id_of(orphan)}, left by an interrupted earlier create of "
            f"this resource (its {lost} was never recorded)"
        )
    return ours


Token = pb.ListTokensResponse.Token


def settle_leftovers(claim: Claim[Token], tokens: Sequence[Token], description: str) -> set[str]:
    """Before a token is created: the tokens earlier creates of this resource left and no stack holds are revoked,
    or the create is refused naming them. Never silently kept: each is a live credential whose secret never
    reached the state. Returns the ids revoked.

    - One this machine's create journal proves came from an interrupted create here: revoked.
    - One carrying this resource's mark (token_mark) that the stack does not hold: revoked when the engine told
      this process what the stack holds for the resource (diff, read, update or delete in this deployment);
      otherwise (a fresh create, or a replacement the engine made without Diff, on a machine that does not know
      what the stack holds) the create is refused, naming each token and the fix.
    """
    same = [
        token
        for token in tokens
        if plain(token.description) == description
        and ((mark := mark_of(token.description)) is None or mark.made_by(claim.owner))
    ]
    revoked = {token.token_id for token in remove_interrupted(claim, same, "secret")}
    mine = [
        token
        for token in tokens
        if token.token_id not in revoked
        and (mark := mark_of(token.description)) is not None
        and mark.made_by(claim.owner)
    ]
    told = claim.journal.told(claim.owner)
    if told is None:
        held = claim.journal.held(claim.owner)
        unknown = [token for token in mine if token.token_id not in held]
        if unknown:
            raise DepotResourceError(refusal(claim, unknown))
        return revoked
    for token in mine:
        if token.token_id in told:
            continue
        with suppress(NotFound):
            claim.remove(token)
        revoked.add(token.token_id)
        say.warn(
            f"{claim.label}: revoked token {token.token_id} ({token.description!r}): an earlier create of this "
            "resource made it (its mark says so) and the stack does not hold it, so its secret never reached the "
            "state"
        )
    return revoked


def refusal(claim: Claim[Token], unknown: Sequence[Token]) -> str:
    names = stack_of(claim.owner or "")
    stack = f" --stack {names[1]}" if names else ""
    listed = ", ".join(f"{token.token_id} ({token.description!r})" for token in unknown)
    return (
        f"{claim.label}: create refused: live token(s) {listed} were made by an earlier create of this resource "
        "(their description carries its mark), and this machine cannot tell whether the stack holds them (an "
        "interrupted `up`, e.g. on another CI runner, leaves such a token live with its secret lost). Revoke the "
        f"ones no stack holds with `pulumi-depot orphans{stack} --revoke` in the project directory (it reads the "
        "stack's state), or delete them in Depot, then run up again. If this create replaces the token "
        "(`pulumi up --replace`, a taint, replace_with), run `pulumi preview` on this machine first: it records "
        "what the stack holds"
    )
