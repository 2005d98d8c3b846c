"""Makes nats-py's flush() a barrier for what was queued before it. Import before connecting.

nats-py 2.15.0 writes the PING of flush() straight to the socket (Client._send_ping), while a
SUB queued just before it still waits in the client's pending buffer for the flusher task. So
`await nc.subscribe(...); await nc.flush()` can put PING on the wire before SUB: the server
answers the PONG, flush() returns, and another client's request can arrive before the SUB does.
Measured with raw sockets and with nats-py, on nats-server 2.9.10 and on Outpost alike: 1-17%
of subscribe+flush+request rounds got "no responders" that way, and 0 of 2,000 once the PING
goes through the pending buffer behind the SUB, as here. The servers were never at fault: both
make a SUB visible before they answer a PING that follows it.
"""

import asyncio
from importlib.metadata import version

from nats.aio import client

PING = b"PING\r\n"

# The patch replaces a private method of this exact version (Tools/test pins it).
if version("nats-py") != "2.15.0" or not all(hasattr(client.Client, name) for name in ("_send_ping", "_send_command", "_flush_pending")):
    raise RuntimeError(f"natspy_ordering: written for nats-py 2.15.0, found {version('nats-py')}; review the patch")


async def _send_ping_in_order(self, future=None):
    if future is None:
        future = asyncio.Future()
    self._pongs.append(future)
    await self._send_command(PING)
    await self._flush_pending()


client.Client._send_ping = _send_ping_in_order
