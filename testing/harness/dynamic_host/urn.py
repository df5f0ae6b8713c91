"""Resource URNs in the engine's format (TEST TOOLING, not a Pulumi replacement).

``urn:pulumi:<stack>::<project>::<qualified type>::<name>``, where the qualified type is the parent's qualified
type, ``$``, then the resource's type -- except under the root stack, whose type is left out
(``urn:pulumi:stack::project::pulumi-python:dynamic/depot:Project::name``).
"""

from __future__ import annotations

from typing import Final, NamedTuple

ROOT_STACK_TYPE: Final = "pulumi:pulumi:Stack"
_PREFIX: Final = "urn:pulumi:"
_DELIMITER: Final = "::"


class ParsedUrn(NamedTuple):
    stack: str
    project: str
    qualified_type: str
    name: str

    @property
    def type(self) -> str:
        """The resource's own type: the last ``$``-separated part of the qualified type."""
        return self.qualified_type.rsplit("$", 1)[-1]


def make_urn(type_: str, name: str, *, project: str = "project", stack: str = "stack", parent: str = "") -> str:
    """The URN the engine gives a resource of ``type_`` named ``name``, optionally under the ``parent`` URN."""
    if not type_ or not name:
        raise ValueError("make_urn: type_ and name must be non-empty")
    qualified = type_
    if parent:
        parent_type = parse_urn(parent).qualified_type
        if parent_type != ROOT_STACK_TYPE:
            qualified = f"{parent_type}${type_}"
    return f"{_PREFIX}{stack}{_DELIMITER}{project}{_DELIMITER}{qualified}{_DELIMITER}{name}"


def parse_urn(urn: str) -> ParsedUrn:
    """Split a URN into stack, project, qualified type and name (a name may itself contain ``::``)."""
    if not urn.startswith(_PREFIX):
        raise ValueError(f"not a Pulumi URN (must start with {_PREFIX!r}): {urn!r}")
    parts = urn[len(_PREFIX) :].split(_DELIMITER, 3)
    if len(parts) != 4 or not all(parts):
        raise ValueError(f"malformed URN (want urn:pulumi:stack::project::type::name): {urn!r}")
    return ParsedUrn(*parts)
