"""The forms of what a trust policy names: GitHub owners and repositories, Buildkite slugs, CircleCI UUIDs.

Each function says why a value does not have its form, or None; the trust models attach them to their fields as a
`Format` (resources/trust_policy.py), so they apply to declared inputs, not to what Depot already holds. A reason
names the rule and the fix and never repeats the value: a character it names is shown escaped.

Depot matches these names literally (its API has no pattern or wildcard semantics, /work/shared/depot-api.md), so
`*` and the other glob characters are refused with their own reason rather than as "a character GitHub does not
allow": a wildcard would otherwise look like a grant to every repository.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from pulumi_depot_provider.resources.fields import escaped

WILDCARDS: Final = frozenset("*?[]{}")
GITHUB_OWNER_MAX: Final = 39
GITHUB_REPOSITORY_MAX: Final = 100
BUILDKITE_SLUG_MAX: Final = 100
UUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
UUID_EXAMPLE: Final = "0b6e1c53-2b5e-4f3a-9d57-1a1e3c6f7a01"


def same_names(first: Mapping[str, str], second: Mapping[str, str]) -> bool:
    """Whether two policies' fields name the same thing, as the CI services compare names: GitHub owners and
    repositories, Buildkite slugs and CircleCI UUIDs all ignore case. `ACME/app` and `acme/app` are one grant."""
    return first.keys() == second.keys() and all(first[k].casefold() == second[k].casefold() for k in first)


def _wildcard(value: str, what: str) -> str | None:
    for index, character in enumerate(value):
        if character in WILDCARDS:
            return (
                f"has the wildcard character {escaped(character)} at position {index + 1}; Depot matches {what} "
                "literally and has no wildcards: declare one trust policy per name"
            )
    return None


def _first_outside(value: str, allowed: re.Pattern[str]) -> tuple[int, str] | None:
    for index, character in enumerate(value):
        if not allowed.fullmatch(character):
            return index, character
    return None


def _length(value: str, limit: int, what: str) -> str | None:
    if not 1 <= len(value) <= limit:
        return f"is {len(value)} characters long; {what} has 1 to {limit}"
    return None


def _hyphens(value: str, what: str) -> str | None:
    if value.startswith("-") or value.endswith("-"):
        return f"{'starts' if value.startswith('-') else 'ends'} with a hyphen; {what} cannot"
    return None


_OWNER_CHARACTER = re.compile(r"[A-Za-z0-9-]")
_REPOSITORY_CHARACTER = re.compile(r"[A-Za-z0-9._-]")
_SLUG_CHARACTER = re.compile(r"[a-z0-9-]")


def github_owner_problem(value: str) -> str | None:
    """GitHub's rule for user and organization names: 1 to 39 letters, digits and single hyphens, neither first
    nor last."""
    what = "a GitHub owner"
    if problem := _wildcard(value, "repository owners") or _length(value, GITHUB_OWNER_MAX, what):
        return problem
    if found := _first_outside(value, _OWNER_CHARACTER):
        index, character = found
        fix = "; give the owner alone and the repository's name in `repository`" if character == "/" else ""
        return f"has {escaped(character)} at position {index + 1}; {what} is letters, digits and single hyphens{fix}"
    if problem := _hyphens(value, what):
        return problem
    if "--" in value:
        return f"has two hyphens in a row at position {value.index('--') + 1}; {what} cannot"
    return None


def github_repository_problem(value: str) -> str | None:
    """GitHub's rule for repository names: 1 to 100 letters, digits, '.', '-' and '_', not '.' or '..'."""
    what = "a GitHub repository name"
    if problem := _wildcard(value, "repositories") or _length(value, GITHUB_REPOSITORY_MAX, what):
        return problem
    if found := _first_outside(value, _REPOSITORY_CHARACTER):
        index, character = found
        fix = "; give the name alone (the owner goes in `repository_owner`)" if character == "/" else ""
        return f"has {escaped(character)} at position {index + 1}; {what} is letters, digits, '.', '-' and '_'{fix}"
    if value in (".", ".."):
        return f"is {value!r}, which is not {what}"
    return None


def buildkite_slug_problem(value: str) -> str | None:
    """Buildkite's rule for organization and pipeline slugs: 1 to 100 lowercase letters, digits and hyphens, not
    starting or ending with a hyphen."""
    what = "a Buildkite slug"
    if problem := _wildcard(value, "slugs") or _length(value, BUILDKITE_SLUG_MAX, what):
        return problem
    if found := _first_outside(value, _SLUG_CHARACTER):
        index, character = found
        case = " (slugs are lowercase: copy the slug from the pipeline's URL)" if character.isupper() else ""
        return (
            f"has {escaped(character)} at position {index + 1}; {what} is lowercase letters, digits and hyphens{case}"
        )
    return _hyphens(value, what)


def uuid_problem(value: str) -> str | None:
    """CircleCI's organization and project ids: UUIDs in their canonical 8-4-4-4-12 hexadecimal form."""
    if problem := _wildcard(value, "CircleCI ids") or _length(value, 36, "a UUID"):
        return problem
    if UUID.fullmatch(value) is None:
        return (
            f"is not a UUID (8-4-4-4-12 hexadecimal digits such as {UUID_EXAMPLE}); copy it from the CircleCI "
            "organization's or project's settings"
        )
    return None
