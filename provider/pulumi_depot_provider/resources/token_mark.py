"""The mark a project token carries in Depot: which stack and which resource's create made it.

Depot keeps nothing on a token but its id and its description, and a token's secret reaches the stack's state only
if the engine records the create. A create interrupted after Depot committed it (a killed `up`) leaves a live,
valid token that no stack holds, and a create journal on local disk does not follow a fresh CI runner. So every
token the provider creates ends its description with a short mark, e.g.

    CI builds [pulumi-depot 3f9a1c/8be20d47-k2m7qx]

a hash of the stack (`<project>/<stack>`), a hash of the resource (its owner key: the URN, or the dynamic SDK's
`<project>/<stack>/<type>/<parent>/<name>`), and a nonce of that one create. The mark is how a later create of the
same resource recognises, on any machine, what an earlier create of it left, and how `pulumi-depot orphans` says
which stack made a token. The stack's state and the `description` output hold the declared text only: the mark is
stripped wherever a token is read. A description too long to take the mark is written without one (nothing is then
provable from Depot), as are the tokens of older versions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from dataclasses import dataclass

from pulumi_depot_provider.client.project_settings import MAX_TEXT_LENGTH

_PATTERN = re.compile(r" \[pulumi-depot (?P<stack>[0-9a-f]{6})/(?P<resource>[0-9a-f]{8})-(?P<nonce>[0-9a-z]{6})\]\Z")
_NONCE_ALPHABET = string.digits + string.ascii_lowercase


@dataclass(frozen=True)
class Mark:
    stack: str
    resource: str
    nonce: str

    def __str__(self) -> str:
        return f" [pulumi-depot {self.stack}/{self.resource}-{self.nonce}]"

    def made_by(self, owner: str | None) -> bool:
        """Made by a create of this resource (its owner key)."""
        return owner is not None and self.resource == resource_hash(owner) and self.stack == stack_hash_of(owner)


def _hash(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def stack_hash(project: str, stack: str) -> str:
    return _hash(f"{project}/{stack}", 6)


def resource_hash(owner: str) -> str:
    return _hash(owner, 8)


def stack_of(owner: str) -> tuple[str, str] | None:
    """(project, stack) of an owner key: a URN (native) or `<project>/<stack>/...` (dynamic SDK)."""
    if owner.startswith("urn:pulumi:"):
        parts = owner.removeprefix("urn:pulumi:").split("::")
        return (parts[1], parts[0]) if len(parts) >= 4 else None
    project, _, rest = owner.partition("/")
    stack = rest.partition("/")[0]
    return (project, stack) if project and stack else None


def stack_hash_of(owner: str) -> str | None:
    names = stack_of(owner)
    return None if names is None else stack_hash(*names)


def new_mark(owner: str | None) -> Mark | None:
    """A mark for one create of this resource; None when the owner is unknown (state from older versions)."""
    stack = None if owner is None else stack_hash_of(owner)
    if owner is None or stack is None:
        return None
    return Mark(stack, resource_hash(owner), "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(6)))


def mark_of(description: str) -> Mark | None:
    found = _PATTERN.search(description)
    return None if found is None else Mark(found["stack"], found["resource"], found["nonce"])


def plain(description: str) -> str:
    """The description as declared: without the mark."""
    return _PATTERN.sub("", description)


def marked(description: str, mark: Mark | None) -> str:
    """What Depot stores: the declared text and the mark, or the text alone when it cannot take the mark."""
    if mark is None or len(description) + len(str(mark)) > MAX_TEXT_LENGTH:
        return description
    return description + str(mark)
