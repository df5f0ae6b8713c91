"""Plain property values as the resource core takes them, and check failures in the core's own type.

Each front end hands the core plain values: dicts, lists, strings, numbers and bools, secrets unwrapped, `__provider`
left out, a value not known yet (preview) as the engine's unknown sentinel string (`UNKNOWN`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.runtime import rpc
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from pulumi_depot_provider.resources.fields import CrossFieldError, forbidden_character, printable

UNKNOWN = rpc.UNKNOWN
Path = tuple[str | int, ...]


class DepotResourceError(Exception):
    """A failed operation as one line: resource type, Depot name/id, operation, Depot's code and message."""


# The dynamic host reports a failure with traceback.format_exc(). With sys.tracebacklimit = 0 that is only
# "<class name>: <message>", and a class that claims to live in builtins is printed without a module path.
DepotResourceError.__module__ = "builtins"


@dataclass(frozen=True)
class CheckFailure:
    """One problem of the inputs: the property path ("" when the reason names it) and the rule broken."""

    property: str
    reason: str


def is_unknown(value: object) -> bool:
    """An input not known yet (preview)."""
    return isinstance(value, str) and value == UNKNOWN


def unknown_paths(value: object, path: Path = ()) -> list[Path]:
    if is_unknown(value):
        return [path]
    if isinstance(value, Mapping):
        return [found for key, item in value.items() for found in unknown_paths(item, (*path, key))]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in unknown_paths(item, (*path, index))]
    return []


def without_unknowns(value: Any) -> Any:
    """The value with unknowns left out, for validating what is known."""
    if isinstance(value, Mapping):
        return {key: without_unknowns(item) for key, item in value.items() if not is_unknown(item)}
    if isinstance(value, list):
        return [without_unknowns(item) for item in value if not is_unknown(item)]
    return value


def dotted(path: Path) -> str:
    """ "cache_policy.keep_gb", "policies[1].github"; a key holding a control character shows it escaped."""
    text = ".".join(f"[{part}]" if isinstance(part, int) else part for part in path).replace(".[", "[")
    return text if forbidden_character(text) is None else text.encode("unicode_escape").decode("ascii")


def check_failures(model: type[BaseModel], error: ValidationError, unknown: list[Path]) -> list[CheckFailure]:
    """One CheckFailure per pydantic error, at the property path, leaving out errors an unknown value may cause.
    Check sends them to the engine through `printable_failures`."""
    failures = []
    for item in error.errors():
        path: Path = tuple(item["loc"])
        reason = _reason(model, item, path)
        involves: list[Path] = [path]
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, CrossFieldError):
            parent = path
            path = (*parent, *cause.path.split("."))
            involves = [(*parent, name) for name in cause.involves]
            reason = cause.reason
        if any(_overlaps(place, hole) for place in involves for hole in unknown):
            continue
        failures.append(CheckFailure(dotted(path), reason))
    return failures


def printable_failures(failures: list[CheckFailure]) -> list[CheckFailure]:
    """Failures as the engine may print them: the property path inside the reason ("name: has the control
    character ..."), the property itself empty. For a failure naming a property the engine prints that input's
    value raw (`property name value {...} has a problem`): an ESC sequence or a bidi override in it would reach
    the terminal, and a 100,000-character value would be printed whole. The reason is `printable` too: a rule
    outside this module (the allowlist) may name what was declared."""
    return [CheckFailure("", printable(f"{f.property}: {f.reason}" if f.property else f.reason)) for f in failures]


def _overlaps(place: Path, hole: Path) -> bool:
    """An unknown at, under or above a place may be what the error is about."""
    shorter = min(len(place), len(hole))
    return place[:shorter] == hole[:shorter]


def _reason(model: type[BaseModel], item: ErrorDetails, path: Path) -> str:
    kind, message = item["type"], item["msg"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        parent = _model_at(model, path[:-1])
        allowed = ", ".join(parent.model_fields) if parent else "none"
        return f"unknown property {path[-1]!r}; allowed here: {allowed}"
    message = message.removeprefix("Value error, ")
    given = item.get("input")
    if kind == "string_too_long" and isinstance(given, str):
        return f"is {len(given)} characters long; at most {item['ctx']['max_length']} are allowed"
    if isinstance(given, bool | int | float):
        # Numbers are shown (as ints when whole: they travel as doubles). Strings are not: a secret passed by
        # mistake would be printed, and so would whatever control characters the string holds.
        return f"{message} (got {int(given) if isinstance(given, float) and given.is_integer() else given!r})"
    return message


def _model_at(model: type[BaseModel], path: Path) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model
    for part in path:
        if isinstance(part, int):
            continue  # an item of a list field: the list's item model is already current
        field = current.model_fields.get(str(part)) if current else None
        if field is None:
            return None
        current = next((arg for arg in _type_args(field.annotation) if _is_model(arg)), None)
    return current


def _type_args(annotation: Any) -> list[Any]:
    return [annotation, *getattr(annotation, "__args__", ())]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
