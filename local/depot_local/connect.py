"""The server side of Connect's unary protocol (https://connectrpc.com/docs/protocol): routing table, codecs,
compression, timeouts and error bodies.

Hand-written because no maintained Python library serves Connect unary as a plain ASGI app with both codecs
and h2c; the protocol's unary form is small (one POST, one message each way).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import brotli
from google.protobuf import message_factory
from google.protobuf.message import Message
from pulumi_depot_provider.client import codec as wire_codec
from pulumi_depot_provider.client.codec import CodecName
from pulumi_depot_provider.client.errors import Code
from pulumi_depot_provider.proto import pb

from depot_local import cli_proto

SUPPORTED_ENCODINGS = ("gzip", "br")
ACCEPT_ENCODING = ", ".join(SUPPORTED_ENCODINGS)
MAX_BODY_BYTES = 1024 * 1024  # compressed and decompressed; Depot's messages are a few hundred bytes
MAX_TIMEOUT_DIGITS = 10  # Connect-Timeout-Ms is at most 10 digits


class RpcError(Exception):
    """An error answered to the caller as a Connect error body."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def http_status(self) -> int:
        return self.code.http_status

    def body(self) -> bytes:
        return wire_codec.error_body(self.code.value, self.message)


def invalid(message: str) -> RpcError:
    return RpcError(Code.INVALID_ARGUMENT, message)


@dataclass(frozen=True)
class Method:
    service: str
    name: str
    label: str  # unique across services: the key of faults, stats and the service's handlers
    request: type[Message]
    response: type[Message]
    mutating: bool

    @property
    def path(self) -> str:
        return f"/{self.service}/{self.name}"


PROJECT_SERVICE = "depot.core.v1.ProjectService"
ORGANIZATION_SERVICE = "depot.core.v1.OrganizationService"
CLI_LABEL_PREFIX = "cli."  # depot.cli.v1beta1.ProjectsService/ListProjects is "cli.ListProjects"
MUTATING = frozenset(
    {
        "CreateProject",
        "UpdateProject",
        "DeleteProject",
        "ResetProject",
        "AddTrustPolicy",
        "RemoveTrustPolicy",
        "CreateToken",
        "UpdateToken",
        "DeleteToken",
        "cli.ResetProjectCache",
    }
)


def _methods() -> dict[str, Method]:
    services = [
        (pb.DESCRIPTOR.services_by_name["ProjectService"], ""),
        (pb.DESCRIPTOR.services_by_name["OrganizationService"], ""),
        (cli_proto.SERVICE_DESCRIPTOR, CLI_LABEL_PREFIX),
    ]
    methods = [
        Method(
            service=service.full_name,
            name=descriptor.name,
            label=prefix + descriptor.name,
            request=message_factory.GetMessageClass(descriptor.input_type),
            response=message_factory.GetMessageClass(descriptor.output_type),
            mutating=prefix + descriptor.name in MUTATING,
        )
        for service, prefix in services
        for descriptor in service.methods
    ]
    return {method.path: method for method in methods}


METHODS: dict[str, Method] = _methods()
METHOD_NAMES: frozenset[str] = frozenset(method.label for method in METHODS.values())
SERVED = f"{PROJECT_SERVICE}, {ORGANIZATION_SERVICE}/ListOrganizations and {cli_proto.SERVICE} (the Depot CLI's)"


def codec_for(content_type: str) -> CodecName | None:
    codec = wire_codec.CODEC_FOR_MEDIA_TYPE.get(wire_codec.media_type(content_type))
    charset = content_type.partition(";")[2].strip().lower()
    if charset and charset.replace(" ", "") != "charset=utf-8":
        return None
    return codec


def decode(codec: CodecName, body: bytes, message_type: type[Message]) -> Message:
    """The request, strict about unknown JSON fields so that a misspelt one is named back to the caller."""
    name = message_type.DESCRIPTOR.name
    if codec == "json" and not body.strip():
        raise invalid(f'empty JSON body: send "{{}}" for an empty {name}')
    try:
        return wire_codec.decode(codec, body, message_type, strict=True)
    except wire_codec.UndecodableBody as error:
        raise invalid(f"malformed {name} in {'JSON' if codec == 'json' else 'protobuf'}: {error}") from None


def too_large(what: str) -> RpcError:
    return invalid(f"{what} exceeds {MAX_BODY_BYTES} bytes; Depot requests are small, check what is being sent")


def decompress(encoding: str, body: bytes) -> bytes:
    """Decompresses a request body, refusing to inflate past MAX_BODY_BYTES (gzip/brotli bombs)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(body, MAX_BODY_BYTES + 1)
        except zlib.error as error:
            raise invalid(f"request body is not valid gzip: {error}") from None
        if len(data) > MAX_BODY_BYTES or inflater.unconsumed_tail:
            raise too_large("decompressed request body")
        if not inflater.eof or inflater.unused_data:
            raise invalid("request body is not valid gzip: truncated or followed by extra data")
        return data
    if encoding == "br":
        decompressor = brotli.Decompressor()
        try:
            data = decompressor.process(body, output_buffer_limit=MAX_BODY_BYTES + 1)
            while len(data) <= MAX_BODY_BYTES and not decompressor.is_finished():
                more = decompressor.process(b"", output_buffer_limit=MAX_BODY_BYTES + 1 - len(data))
                if not more:
                    break
                data += more
        except brotli.error as error:
            raise invalid(f"request body is not valid brotli: {error}") from None
        if len(data) > MAX_BODY_BYTES:
            raise too_large("decompressed request body")
        if not decompressor.is_finished():
            raise invalid("request body is not valid brotli: truncated")
        return data
    raise RpcError(
        Code.UNIMPLEMENTED, f"Content-Encoding {encoding!r} is not supported; use one of: identity, {ACCEPT_ENCODING}"
    )


def choose_encoding(accept_encoding: str) -> str | None:
    """The first encoding the caller accepts that we support (q-values other than 0 are treated as equal)."""
    for item in accept_encoding.split(","):
        name, _, params = item.partition(";")
        name = name.strip().lower()
        if name in SUPPORTED_ENCODINGS and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            return name
    return None


def compress(encoding: str, data: bytes) -> bytes:
    if encoding == "gzip":
        compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
        return compressor.compress(data) + compressor.flush()
    return brotli.compress(data)


def parse_timeout(value: str) -> float | None:
    """Connect-Timeout-Ms: 1 to 10 ASCII digits, in milliseconds."""
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > MAX_TIMEOUT_DIGITS:
        raise invalid(f"Connect-Timeout-Ms must be 1 to {MAX_TIMEOUT_DIGITS} digits, got {value[:20]!r}")
    return int(value) / 1000
