"""The plugin's gRPC server: `pulumi-resource-depot <engine address>` prints its port and serves the provider.

The SDK's servicer reports a failure with the Python traceback appended; this one reports the resource code's own
one-line message (DepotResourceError: the resource, the operation, Depot's code and message), as the dynamic
resources do, and writes the traceback of anything else to stderr (the engine's verbose log).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import traceback
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import grpc
import grpc.aio
from pulumi.provider.experimental import provider as rpc
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime import proto, settings
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

from pulumi_depot_provider.native.provider import DepotNativeProvider, plugin_version
from pulumi_depot_provider.resources.values import DepotResourceError

Handler = Callable[[Any, Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
METHODS = (
    "GetSchema",
    "CheckConfig",
    "Configure",
    "Invoke",
    "Check",
    "Diff",
    "Create",
    "Read",
    "Update",
    "Delete",
    "Construct",
)


def failure_message(error: BaseException) -> str:
    """The message the user sees: the resource code's own line, else the error in one line."""
    # The SDK's servicer wraps it in a plain Exception; our own Read does not (and a DepotResourceError raised
    # `from None` still has the error it replaced as its __context__).
    cause = error if isinstance(error, DepotResourceError) or error.__context__ is None else error.__context__
    if isinstance(cause, DepotResourceError):
        return str(cause)
    traceback.print_exception(cause, file=sys.stderr)
    return f"internal error in pulumi-resource-depot: {type(cause).__name__}: {str(cause).splitlines()[0]}"


def _one_line(handler: Handler) -> Handler:
    async def method(self: Any, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return await handler(self, request, context)
        except Exception as error:
            await context.abort(grpc.StatusCode.UNKNOWN, failure_message(error))

    return method


class DepotServicer(ProviderServicer):
    """The SDK's servicer, with failures as one line, a Read that can say "gone" and a Construct that keeps
    retainOnDelete."""

    async def Read(
        self, request: proto.ReadRequest, context: grpc.aio.ServicerContext[proto.ReadRequest, proto.ReadResponse]
    ) -> proto.ReadResponse:
        """The SDK's Read always sends properties, so the engine never learns that an object is gone (it tests for
        no properties at all: refresh drops the resource, import fails with "does not exist"). No id: gone."""
        answer = await self._provider.read(
            rpc.ReadRequest(
                request.urn,
                request.id,
                PropertyValue.unmarshal_map(request.properties),
                PropertyValue.unmarshal_map(request.inputs),
            )
        )
        if not answer.resource_id:
            return proto.ReadResponse()
        return proto.ReadResponse(
            id=answer.resource_id,
            properties=PropertyValue.marshal_map(answer.properties),
            inputs=PropertyValue.marshal_map(answer.inputs),
        )

    async def Construct(
        self, request: proto.ConstructRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> proto.ConstructResponse:
        """The SDK's Construct, with the component's retainOnDelete, which the SDK leaves out of its options."""
        from pulumi_depot_provider.native.construct import RETAIN_ON_DELETE  # loads the SDK's component code

        retain = RETAIN_ON_DELETE.set(request.retainOnDelete)
        try:
            return await super().Construct(request, context)
        finally:
            RETAIN_ON_DELETE.reset(retain)


for _name in METHODS:
    _handler = vars(DepotServicer).get(_name) or getattr(ProviderServicer, _name)
    setattr(DepotServicer, _name, _one_line(_handler))


async def serve(engine_address: str, arguments: list[str]) -> None:
    server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
    servicer = DepotServicer(arguments, plugin_version(), DepotNativeProvider(), engine_address=engine_address)
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    await server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.buffer.flush()
    await server.wait_for_termination()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="pulumi-resource-depot", description="Depot's native Pulumi provider plugin (started by the engine)."
    )
    parser.add_argument("engine", help="the Pulumi engine's gRPC address")
    known, _ = parser.parse_known_args()  # the engine may add flags such as --logtostderr
    # pulumi.log (what the resource code logs: adoptions, trust policies added and removed) reaches the engine.
    settings.reset_options(engine_address=known.engine)
    with suppress(KeyboardInterrupt):
        asyncio.run(serve(known.engine, sys.argv[1:]))


if __name__ == "__main__":
    main()
