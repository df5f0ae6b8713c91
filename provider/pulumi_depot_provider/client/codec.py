"""Connect's two unary codecs: proto3 JSON (`application/json`) and binary protobuf (`application/proto`)."""

from __future__ import annotations

import json
from typing import Literal, TypeVar

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message

CodecName = Literal["json", "proto"]
M = TypeVar("M", bound=Message)

CONTENT_TYPE: dict[CodecName, str] = {"json": "application/json", "proto": "application/proto"}


class UndecodableBody(ValueError):
    """A body that is not the expected message in the expected codec."""


def media_type(content_type: str) -> str:
    return content_type.partition(";")[0].strip().lower()


def encode(codec: CodecName, message: Message) -> bytes:
    if codec == "json":
        # lowerCamelCase names, int64 as strings, enums by name: the proto3 JSON mapping Connect servers expect.
        return json.dumps(json_format.MessageToDict(message), separators=(",", ":")).encode()
    serialized: bytes = message.SerializeToString()
    return serialized


def decode(codec: CodecName, body: bytes, message_type: type[M]) -> M:
    message: M = message_type()
    try:
        if codec == "json":
            # A newer server may add fields this client does not know yet: ignore them rather than fail.
            json_format.Parse(body, message, ignore_unknown_fields=True)
        else:
            message.ParseFromString(body)
    except (json_format.ParseError, DecodeError, ValueError, RecursionError) as error:
        raise UndecodableBody(f"{type(error).__name__}: {error}") from None
    return message


def parse_json_object(body: bytes) -> dict[str, object] | None:
    """The body as a JSON object, or None if it is anything else."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
