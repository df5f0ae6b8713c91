"""Connect's two unary codecs, proto3 JSON (`application/json`) and binary protobuf (`application/proto`), and
its JSON error body. Shared by the client and the local Depot API, so both speak the same bytes."""

from __future__ import annotations

import json
from typing import Literal, TypeVar

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message

CodecName = Literal["json", "proto"]
M = TypeVar("M", bound=Message)

CONTENT_TYPE: dict[CodecName, str] = {"json": "application/json", "proto": "application/proto"}
CODEC_FOR_MEDIA_TYPE: dict[str, CodecName] = {media: name for name, media in CONTENT_TYPE.items()}


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


def decode(codec: CodecName, body: bytes, message_type: type[M], *, strict: bool = False) -> M:
    """The message in `body`. Unknown JSON fields are ignored (a newer server may add fields this client does
    not know yet) unless `strict`, as a server wants them named back to the caller."""
    message: M = message_type()
    try:
        if codec == "json":
            json_format.Parse(body, message, ignore_unknown_fields=not strict)
        else:
            message.ParseFromString(body)
    except (json_format.ParseError, DecodeError, ValueError, RecursionError) as error:
        raise UndecodableBody(f"{type(error).__name__}: {error}") from None
    return message


def error_body(code: str, message: str) -> bytes:
    """A Connect error body (https://connectrpc.com/docs/protocol#error-end-stream)."""
    return json.dumps({"code": code, "message": message}).encode()


def parse_error_body(body: bytes) -> tuple[str, str] | None:
    """(code, message) of a Connect error body, or None if `body` is not one. A message that is not a string is
    given as its repr."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("code"), str) or not value["code"]:
        return None
    message = value.get("message", "")
    return value["code"], message if isinstance(message, str) else repr(message)
