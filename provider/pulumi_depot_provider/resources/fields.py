"""Building blocks of the resource models: base classes, shared field types and per-field change behaviour.

Each input field may carry a `Behaviour` in its `Annotated` metadata; the adapter's diff and scripts/gen_schema.py
(replaceOnChanges, secret) read it from there, so one declaration drives both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
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


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_LENGTH), AfterValidator(not_blank)]
"""A non-blank string of at most 256 characters (Depot's limit for ids, slugs and descriptions)."""


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

    @classmethod
    def rule_errors(cls, data: Mapping[str, Any]) -> list[CrossFieldError]:
        """Rules over several fields. They read the raw input, before field validation, so that a broken rule is
        reported together with the field errors (pydantic skips "after" validators when a field fails)."""
        return []

    @model_validator(mode="wrap")
    @classmethod
    def _apply_rules(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        broken = cls.rule_errors(data) if isinstance(data, Mapping) else []
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
