"""Property values as the Pulumi engine puts them on the wire (TEST TOOLING, not a Pulumi replacement).

Plain Python values stand for the engine's property values: None, bool, int/float (numbers travel as doubles,
so they come back as float), str, list and dict. Two markers stand for what plain values cannot say:

- ``UNKNOWN``: a value not known during preview. On the wire it is the string sentinel the SDK and the engine use
  (``pulumi.runtime.rpc.UNKNOWN``).
- ``Secret(value)``: a secret. On the wire it is the signature object
  ``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": ...}``.

Marshalling follows the engine's MarshalProperties: without ``keep_unknowns`` unknown values are dropped, without
``keep_secrets`` a secret is sent as its bare value (what the engine does for a provider that answered
Configure with acceptSecrets=False, as the Python dynamic provider host does).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, Final, NoReturn

from google.protobuf import struct_pb2
from pulumi.runtime import rpc

SIG_KEY: Final = rpc._special_sig_key
SECRET_SIG: Final = rpc._special_secret_sig
UNKNOWN_SENTINEL: Final = rpc.UNKNOWN

_OTHER_SIGS: Final = {
    rpc._special_asset_sig: "asset",
    rpc._special_archive_sig: "archive",
    rpc._special_resource_sig: "resource reference",
    rpc._special_output_value_sig: "output value",
}


class _Unknown:
    """The type of ``UNKNOWN``: a value the engine does not know yet (preview only)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()


class Secret:
    """A secret property value. Compares by value; its repr and str never show the value, and it refuses to be
    pickled. (A plain class rather than a dataclass so that ``dataclasses.asdict`` and pydantic dumps leave it whole.)
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and self.value == other.value

    def __hash__(self) -> int:
        return hash(("Secret", self.value))

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__

    def __copy__(self) -> Secret:
        return Secret(self.value)

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return Secret(copy.deepcopy(self.value, memo))

    def __reduce__(self) -> NoReturn:
        raise TypeError("Secret markers hold plaintext and cannot be pickled; unwrap .value deliberately if needed")


class PropertyError(ValueError):
    """A property value the harness cannot represent, or an unknown where the engine rejects one."""


def to_struct(props: Mapping[str, Any], *, keep_unknowns: bool, keep_secrets: bool) -> struct_pb2.Struct:
    """Marshal a property map as the engine does (MarshalProperties with KeepUnknowns / KeepSecrets)."""
    return _to_struct(props, "", keep_unknowns, keep_secrets)


def _to_struct(props: Mapping[str, Any], prefix: str, keep_unknowns: bool, keep_secrets: bool) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    for key, value in props.items():
        if not isinstance(key, str):
            raise PropertyError(f"{prefix or 'properties'}: names must be strings, got {key!r}")
        encoded = _to_value(value, f"{prefix}.{key}" if prefix else key, keep_unknowns, keep_secrets)
        if encoded is not None:
            struct.fields[key].CopyFrom(encoded)
    return struct


def _to_value(value: Any, path: str, keep_unknowns: bool, keep_secrets: bool) -> struct_pb2.Value | None:
    if value is UNKNOWN:
        return struct_pb2.Value(string_value=UNKNOWN_SENTINEL) if keep_unknowns else None
    if isinstance(value, Secret):
        inner = _to_value(value.value, path, keep_unknowns, keep_secrets)
        if not keep_secrets:
            return inner
        wrapped = struct_pb2.Struct()
        wrapped.fields[SIG_KEY].string_value = SECRET_SIG
        if inner is not None:
            wrapped.fields["value"].CopyFrom(inner)
        return struct_pb2.Value(struct_value=wrapped)
    if value is None:
        return struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)
    if isinstance(value, bool):
        return struct_pb2.Value(bool_value=value)
    if isinstance(value, int | float):
        return struct_pb2.Value(number_value=float(value))
    if isinstance(value, str):
        return struct_pb2.Value(string_value=value)
    if isinstance(value, Mapping):
        return struct_pb2.Value(struct_value=_to_struct(value, path, keep_unknowns, keep_secrets))
    if isinstance(value, list | tuple):
        items = struct_pb2.ListValue()
        for index, item in enumerate(value):
            encoded = _to_value(item, f"{path}[{index}]", keep_unknowns, keep_secrets)
            if encoded is not None:
                items.values.append(encoded)
        return struct_pb2.Value(list_value=items)
    raise PropertyError(
        f"{path}: {type(value).__name__} is not a property value; use None, bool, number, str, list, dict, "
        "Secret(...) or UNKNOWN"
    )


def from_struct(struct: struct_pb2.Struct, *, reject_unknowns: bool = False) -> dict[str, Any]:
    """Unmarshal a property map: the unknown sentinel becomes ``UNKNOWN``, secret objects become ``Secret``.

    With ``reject_unknowns`` (the engine's RejectUnknowns, used on outputs outside preview) an unknown value raises
    ``PropertyError`` naming the property.
    """
    return {key: _from_value(value, key, reject_unknowns) for key, value in struct.fields.items()}


def _from_value(value: struct_pb2.Value, path: str, reject_unknowns: bool) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "null_value" or kind is None:
        return None
    if kind == "bool_value":
        return value.bool_value
    if kind == "number_value":
        return value.number_value
    if kind == "string_value":
        if value.string_value == UNKNOWN_SENTINEL:
            if reject_unknowns:
                raise PropertyError(f"{path}: unexpected unknown value (unknowns are only allowed in preview)")
            return UNKNOWN
        return value.string_value
    if kind == "list_value":
        return [_from_value(item, f"{path}[{i}]", reject_unknowns) for i, item in enumerate(value.list_value.values)]
    fields = value.struct_value.fields
    if SIG_KEY in fields:
        sig = fields[SIG_KEY].string_value
        if sig == SECRET_SIG:
            inner = fields["value"] if "value" in fields else struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)
            return Secret(_from_value(inner, path, reject_unknowns))
        kind_name = _OTHER_SIGS.get(sig, f"signature {sig!r}")
        raise PropertyError(f"{path}: {kind_name} values are not supported by the engine harness")
    return {key: _from_value(item, f"{path}.{key}", reject_unknowns) for key, item in fields.items()}


def strip_secrets(value: Any) -> Any:
    """The value with every ``Secret`` replaced by its bare value (the engine's KeepSecrets=False)."""
    if isinstance(value, Secret):
        return strip_secrets(value.value)
    if isinstance(value, Mapping):
        return {k: strip_secrets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strip_secrets(v) for v in value]
    return value


def contains_secrets(value: Any) -> bool:
    if isinstance(value, Secret):
        return True
    if isinstance(value, Mapping):
        return any(contains_secrets(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_secrets(v) for v in value)
    return False


def contains_unknowns(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Secret):
        return contains_unknowns(value.value)
    if isinstance(value, Mapping):
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknowns(v) for v in value)
    return False


def annotate_secrets(outs: Mapping[str, Any], ins: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's rule for a provider that does not accept secrets: an output whose input of the same name held a
    secret comes back as a secret (objects are matched key by key, recursively)."""
    result = dict(outs)
    for key, in_value in ins.items():
        if key not in result:
            continue
        out_value = result[key]
        if isinstance(out_value, Mapping) and isinstance(in_value, Mapping):
            result[key] = annotate_secrets(out_value, in_value)
        elif not isinstance(out_value, Secret) and contains_secrets(in_value):
            result[key] = Secret(out_value)
    return result


def mark_secret_outputs(outs: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """Apply ``additional_secret_outputs``: the named top-level outputs become secrets. As in the engine, ``id``
    cannot be made secret (the engine only warns, pulumi#2717) and names absent from the outputs are ignored."""
    result = dict(outs)
    for key in keys:
        if key != "id" and key in result and not isinstance(result[key], Secret):
            result[key] = Secret(result[key])
    return result
