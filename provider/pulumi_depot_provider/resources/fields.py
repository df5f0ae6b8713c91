"""Building blocks of the resource models: base classes, shared field types and per-field change behaviour.

Each input field may carry a `Behaviour` in its `Annotated` metadata; the adapter's diff and scripts/gen_schema.py
(replaceOnChanges, secret) read it from there, so one declaration drives both.

The input rules every resource shares live here, once, for the provider and the SDK (pulumi_depot._checks imports
them): the character rule (`FORBIDDEN_CATEGORIES`, `invisible`, `character_problem`), field formats (`Format`),
whole numbers (`WholeNumber`) and ids that are either absent or a real id (`ImportId`, `OrganizationId`). A reason
never repeats a string input (it could be a secret pasted into the wrong place); a character it names is shown
escaped, and `printable` makes any message safe for a terminal.
"""

from __future__ import annotations

import types
import typing
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, Self, TypeGuard

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ModelWrapValidatorHandler,
    Strict,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, InitErrorDetails

from pulumi_depot_provider.client.project_settings import MAX_TEXT_LENGTH


class OnChange(StrEnum):
    UPDATE = "update"  # Depot changes the object in place
    REPLACE = "replace"  # a new object replaces the old one (created first, then the old one is deleted)
    IGNORE = "ignore"  # consulted only when the resource is created (import_id)


@dataclass(frozen=True)
class Behaviour:
    """How a change to an input is applied.

    depot_default: omitting the input (or one of its sub-fields) means "whatever Depot has" — it is never a change,
    and only the declared sub-fields of an object are compared with Depot's values.
    """

    on_change: OnChange = OnChange.UPDATE
    depot_default: bool = False
    secret: bool = False


UPDATES = Behaviour()
REPLACES = Behaviour(on_change=OnChange.REPLACE)
CREATE_ONLY = Behaviour(on_change=OnChange.IGNORE)
SECRET = Behaviour(secret=True)


def behaviour(field: FieldInfo) -> Behaviour:
    return next((item for item in field.metadata if isinstance(item, Behaviour)), UPDATES)


@dataclass(frozen=True)
class Format:
    """The form a string input must have beyond the character rule (a GitHub owner, a UUID): ``problem`` says why
    a value lacks it, or None. Like the character rule it is checked on a resource's inputs only (`text_errors`):
    the same models read Depot's live values and the stored state, which must stay readable."""

    problem: Callable[[str], str | None]


def format_problem(field: FieldInfo, value: str) -> str | None:
    """Why ``value`` lacks the field's `Format`, or None (also when the field has none)."""
    rule = next((item for item in field.metadata if isinstance(item, Format)), None)
    return rule.problem(value) if rule else None


# --- the character rule ------------------------------------------------------------------------------------------

FORBIDDEN_CATEGORIES: Final = {
    "Cc": "control characters: C0 U+0000-U+001F (NUL, tab, newline, ESC, ...), DEL U+007F and C1 U+0080-U+009F",
    "Cf": "invisible format characters: the bidirectional embeddings, overrides and isolates U+202A-U+202E and "
    "U+2066-U+2069 and the marks U+200E, U+200F, U+061C (Trojan Source), zero-width characters U+200B-U+200D, "
    "U+2060 and U+FEFF, the soft hyphen U+00AD, tag characters U+E0001-U+E007F, and the rest of category Cf",
    "Zl": "the line separator U+2028",
    "Zp": "the paragraph separator U+2029",
    "Cs": "surrogates U+D800-U+DFFF (never text on their own; they cannot even be sent as UTF-8)",
}
"""The characters no name, description, slug, repository owner or name, UUID or id may hold, by Unicode general
category: each is invisible or moves what a reader sees (a terminal runs an ESC sequence, a bidi override
reorders the text around it, a zero-width character makes two different names look alike). `invisible` adds the
invisible characters of other categories. Everything else is accepted, spaces and emoji included (but not emoji
joined by U+200D ZERO WIDTH JOINER, flags spelled with tag characters, nor emoji with a variation selector)."""

DEFAULT_IGNORABLE: Final = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
"""Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt, unchanged since Unicode 9): code
points a renderer shows as nothing. Most are category Cf; the rest are letters and marks that look like nothing:
the Hangul fillers U+115F, U+1160, U+3164, U+FFA0 (Lo), the combining grapheme joiner U+034F and the variation
selectors U+FE00-U+FE0F, U+E0100-U+E01EF (Mn), and reserved code points."""

BLANK_LOOKING: Final = frozenset({0x2800})
"""Not default-ignorable, yet drawn as an empty cell: U+2800 BRAILLE PATTERN BLANK (So). A probe created a project
whose name was only this character; like the Hangul fillers (already in `DEFAULT_IGNORABLE`) it is not
whitespace, so neither the blank rule nor the edge rule would catch it."""


def invisible(character: str) -> bool:
    """A default-ignorable or blank-looking character (`DEFAULT_IGNORABLE`, `BLANK_LOOKING`)."""
    code = ord(character)
    return code in BLANK_LOOKING or any(low <= code <= high for low, high in DEFAULT_IGNORABLE)


def forbidden_character(text: str) -> tuple[int, str] | None:
    """(index, character) of the first character of ``text`` in `FORBIDDEN_CATEGORIES` or `invisible`, or None."""
    for index, character in enumerate(text):
        if unicodedata.category(character) in FORBIDDEN_CATEGORIES or invisible(character):
            return index, character
    return None


def escaped(character: str) -> str:
    """A character as a message shows it: quoted, with a backslash escape for anything but printable ASCII
    (``'\\x1b'``, ``'\\u3164'``), whatever the terminal would make of it."""
    return "'" + character.encode("unicode_escape", "backslashreplace").decode("ascii") + "'"


def character_problem(text: str) -> str | None:
    """Why ``text`` may not be a name, description, slug or id because of a character in it, or None: a forbidden
    or invisible character, or whitespace at either end. Names the character escaped and where it is, never the
    text itself. A blank text is left to its own rule ("must not be blank")."""
    found = forbidden_character(text)
    if found is not None:
        index, character = found
        code = f"{escaped(character)} (U+{ord(character):04X}) at position {index + 1}; remove it"
        if unicodedata.category(character) in FORBIDDEN_CATEGORIES:
            return (
                f"has the control character {code} (control, bidi and other invisible formatting characters are "
                "not allowed)"
            )
        return f"has the invisible character {code} (default-ignorable and blank-looking characters are not allowed)"
    stripped = text.strip()
    if stripped and stripped != text:
        end, character = ("starts", text[0]) if text[0].isspace() else ("ends", text[-1])
        return (
            f"{end} with whitespace ({escaped(character)}, U+{ord(character):04X}); remove it (leading and trailing "
            "whitespace is not allowed: it makes two values that look the same differ)"
        )
    return None


REASON_LIMIT: Final = 2000
"""The longest message a check failure carries (`printable`): room for every rule's reason and a path."""


def printable(text: str, limit: int = REASON_LIMIT) -> str:
    """``text`` safe for a terminal: every forbidden, invisible or unprintable character (ESC, a bidi override, a
    newline) escaped, and cut to ``limit`` characters. For messages that may carry what someone typed."""
    shown = "".join(escaped(c)[1:-1] if not c.isprintable() or forbidden_character(c) is not None else c for c in text)
    if len(shown) <= limit:
        return shown
    return f"{shown[:limit]}... ({len(shown) - limit} more characters cut)"


# --- field types ---------------------------------------------------------------------------------------------------

LEAVE_IT_OUT: Final = "must not be empty or blank; leave it out instead"
"""The reason for an empty optional id: an empty string is not "no id" (import_id, organization_id)."""


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _present(advice: str) -> Callable[[str], str]:
    def present(value: str) -> str:
        if not value.strip():
            raise ValueError(f"{LEAVE_IT_OUT} ({advice})")
        return value

    return present


Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_LENGTH), AfterValidator(not_blank)]
"""A non-blank string of at most 256 characters (Depot's limit for ids, slugs and descriptions). Its characters
are checked by the resource's inputs (`InputModel.resource_inputs`), not here: the same models hold Depot's live
values and the stored state, which must stay readable, and the SDK's tenant specs report characters themselves."""

ImportId = Annotated[
    str,
    StringConstraints(max_length=MAX_TEXT_LENGTH),
    AfterValidator(_present("without import_id a new object is created; with it the object with that id is adopted")),
]
"""The id of an existing Depot object to adopt. Optional, but never empty: ``""`` would silently create a new
object instead of adopting one."""

OrganizationId = Annotated[
    str,
    StringConstraints(max_length=MAX_TEXT_LENGTH),
    AfterValidator(_present("without organization_id the token's organization owns the project")),
]
"""A Depot organization id. Optional, but never empty: ``""`` would silently mean the token's organization."""


def whole_number(value: Any) -> Any:
    """An int, or a float that is a whole number (the engine sends every number as a double: 50 arrives as 50.0).
    A bool is not a number (True would become 1), nor is a string of digits."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true or false")
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError("must be a whole number")
    if isinstance(value, int):
        return value
    raise ValueError(f"must be a whole number, not a {type(value).__name__}")


WholeNumber = Annotated[int, BeforeValidator(whole_number), Strict()]
"""A whole number: an int or a whole float (50.0); never a bool, a fraction or a string."""


def a_list(what: str) -> Callable[[Any], Any]:
    """A before-validator accepting only a list (not a string, a mapping or a tuple), with the reason naming
    what the list holds."""

    def listed(value: Any) -> Any:
        if not isinstance(value, list):
            given = "None" if value is None else f"a {type(value).__name__}"
            raise ValueError(f"must be a list of {what}, not {given}")
        return value

    return listed


class CrossFieldError(ValueError):
    """A broken rule over several fields (from `InputModel.rule_errors` or raised in a model validator).

    pydantic reports model-level errors at the model's own location; this carries where the failure should be
    reported (`path`, relative to the model) and which fields the rule reads (`involves`), so that check can skip
    it while one of those fields is still unknown during preview.
    """

    def __init__(self, path: str, reason: str, involves: tuple[str, ...]) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason
        self.involves = involves


class InputModel(BaseModel):
    """Inputs as users declare them: unknown keys are mistakes, reported with the allowed names."""

    model_config = ConfigDict(extra="forbid")

    resource_inputs: ClassVar[bool] = False
    """True on a resource's inputs (ProjectArgs, ...): every string field in them, nested ones included, is held to
    the character rule. The nested models leave it False: they also read Depot's live values and stored state."""

    @classmethod
    def rule_errors(cls, data: Mapping[str, Any]) -> list[CrossFieldError]:
        """Rules over several fields. They read the raw input, before field validation, so that a broken rule is
        reported together with the field errors (pydantic skips "after" validators when a field fails)."""
        return []

    @model_validator(mode="wrap")
    @classmethod
    def _apply_rules(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        broken = cls.rule_errors(data) if isinstance(data, Mapping) else []
        if cls.resource_inputs and isinstance(data, Mapping):
            broken = [*text_errors(cls, data), *broken]
        try:
            model = handler(data)
        except ValidationError as error:
            if not broken:
                raise
            raise _with_rules(cls, error.errors(), broken, data) from None
        if broken:
            raise _with_rules(cls, [], broken, data)
        return model

    def declared(self) -> dict[str, Any]:
        """The inputs in wire form (the keys users write), leaving out what was not declared."""
        return self.model_dump(mode="json", exclude_none=True)


def text_errors(model: type[BaseModel], data: Mapping[str, Any], prefix: str = "") -> Iterator[CrossFieldError]:
    """The character rule, then the field's `Format`, over the raw input: one error per string field (nested
    models and lists of them included) that breaks one. Blank strings are left to their own rule ("must not be
    blank"), strings over Depot's length limit to theirs."""
    for name, field in model.model_fields.items():
        value, path = data.get(name), f"{prefix}{name}"
        annotation = bare_annotation(field.annotation)
        item = bare_annotation(typing.get_args(annotation)[0]) if typing.get_origin(annotation) is list else None
        if annotation is str and isinstance(value, str) and value.strip():
            problem = character_problem(value)
            if problem is None and len(value) <= MAX_TEXT_LENGTH:
                problem = format_problem(field, value)
            if problem:
                # The value is known (check leaves unknowns out before validating), so no unknown can hide it.
                yield CrossFieldError(path, problem, (path,))
        elif _is_model(annotation) and isinstance(value, Mapping):
            yield from text_errors(annotation, value, f"{path}.")
        elif _is_model(item) and isinstance(value, list):
            for index, entry in enumerate(value):
                if isinstance(entry, Mapping):
                    yield from text_errors(item, entry, f"{path}[{index}].")


def bare_annotation(annotation: Any) -> Any:
    """The annotation without Annotated metadata and without None in a union of one other type."""
    if typing.get_origin(annotation) is Annotated:
        return bare_annotation(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return bare_annotation(members[0])
    return annotation


def _is_model(annotation: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


class OutputModel(BaseModel):
    """Outputs as stored in Pulumi state; lenient about keys a newer or older version may have written."""

    model_config = ConfigDict(extra="ignore")

    def outputs(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def _with_rules(
    model: type[BaseModel], field_errors: list[ErrorDetails], broken: list[CrossFieldError], data: Any
) -> ValidationError:
    details = [
        InitErrorDetails(type=error["type"], loc=error["loc"], input=error["input"], ctx=error.get("ctx", {}))
        for error in field_errors
    ]
    details += [InitErrorDetails(type="value_error", loc=(), input=data, ctx={"error": rule}) for rule in broken]
    return ValidationError.from_exception_data(model.__name__, details)
