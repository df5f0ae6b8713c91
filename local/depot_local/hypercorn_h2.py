"""A workaround in Hypercorn's HTTP/2 server (0.17-0.18): request data that arrives for a stream whose answer is
already complete ends the whole connection.

When an app answers before the request's body has ended (depot-local does for a body over its size limit or past
--body-timeout), Hypercorn forgets the stream once the answer is sent, but the client may still be sending that
body: HTTP/2 allows it (RFC 9113 8.1). Hypercorn's handler for DATA looks the stream up with
`self.streams[stream_id]`, the KeyError escapes, and every other stream on the connection dies with it
(pgjones/hypercorn#329; the same guard is proposed upstream in pgjones/hypercorn#365, not released). Its END_STREAM
handler already ignores a forgotten stream; this does the same for DATA, and still acknowledges the bytes so that
the connection's flow-control window does not shrink.

Remove it once a released Hypercorn guards DataReceived itself.
"""

from __future__ import annotations

import h2.events
import hypercorn.protocol
from hypercorn.protocol.h2 import H2Protocol


class DepotH2Protocol(H2Protocol):
    async def _handle_events(self, events: list[h2.events.Event]) -> None:
        # One event at a time: handling one may close a stream that a later DATA event in the same batch is for.
        for event in events:
            if isinstance(event, h2.events.DataReceived) and event.stream_id not in self.streams:
                # h2 ignores the stream's part of the acknowledgement once the stream is closed.
                self.connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            else:
                await super()._handle_events([event])
        await self._flush()


def install() -> None:
    """Makes Hypercorn's protocol selection (hypercorn.protocol.ProtocolWrapper) build DepotH2Protocol."""
    hypercorn.protocol.H2Protocol = DepotH2Protocol  # type: ignore[attr-defined]  # patching its non-exported import
