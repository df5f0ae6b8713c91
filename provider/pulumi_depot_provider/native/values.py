"""The engine's property values (`PropertyValue` of `pulumi.provider.experimental`) as the plain values the
resource modules work with, and back.

Plain values are what the dynamic provider host hands the same resource code: dicts, lists, strings, floats and
bools, secrets unwrapped, an unknown value (preview) as `pulumi.runtime.rpc.UNKNOWN`. Which top-level properties
were secret is kept on the side (`secret_keys`), so that what comes back is marked secret again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi.output import Unknown
from pulumi.provider.experimental.property_value import Computed, PropertyValue, ResourceReference
from pulumi.runtime import rpc

Properties = dict[str, PropertyValue]


def plain(value: PropertyValue) -> Any:
    inner = value.value
    if isinstance(inner, Computed):
        return rpc.UNKNOWN
    if isinstance(inner, ResourceReference):  # not expected: Configure says the provider accepts no resources
        return plain(inner.resource_id) if inner.resource_id is not None else inner.urn
    if isinstance(inner, Mapping):
        return {key: plain(item) for key, item in inner.items()}
    if isinstance(inner, Sequence) and not isinstance(inner, str):
        return [plain(item) for item in inner]
    return inner


def plain_map(properties: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {key: plain(value) for key, value in properties.items()}


def secret_keys(properties: Mapping[str, PropertyValue]) -> set[str]:
    """The top-level properties that are or hold a secret."""
    return {key for key, value in properties.items() if value.contains_secret()}


def property_value(value: Any, secret: bool = False) -> PropertyValue:
    """A plain value as a PropertyValue: numbers become doubles (the engine's only number type)."""
    converted: PropertyValue
    if isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN):
        converted = PropertyValue(rpc.UNKNOWN)  # marshalled as the engine's unknown sentinel
    elif value is None or isinstance(value, bool | str | float):
        converted = PropertyValue(value)
    elif isinstance(value, int):
        converted = PropertyValue(float(value))
    elif isinstance(value, Mapping):
        converted = PropertyValue({str(key): property_value(item) for key, item in value.items()})
    elif isinstance(value, Sequence):
        converted = PropertyValue([property_value(item) for item in value])
    else:
        raise TypeError(f"no property value for a {type(value).__name__}")
    return converted.with_secret(True) if secret else converted


def property_map(values: Mapping[str, Any], secret: Iterable[str] = ()) -> Properties:
    """Plain properties as PropertyValues; the keys in `secret` are marked secret."""
    hidden = set(secret)
    return {key: property_value(value, key in hidden) for key, value in values.items()}
