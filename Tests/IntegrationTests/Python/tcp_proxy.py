"""A TCP proxy that breaks a leafnode link on command, for fault tests (loopback only).

Usage: tcp_proxy.py LISTEN_PORT UPSTREAM_PORT CONTROL_PORT DURATION_SECONDS

Forwards every connection made to 127.0.0.1:LISTEN_PORT to 127.0.0.1:UPSTREAM_PORT. Commands, one
per line on 127.0.0.1:CONTROL_PORT (the answer is "ok"):
  drop   close every connection now (both sockets): a link that drops mid-stream
  stall  keep the connections open but discard every byte both ways: a link that goes silent
         (as a cellular link does), so only keepalive can find it dead
  pass   forward normally again
It exits by itself after DURATION_SECONDS.
"""

import asyncio
import os
import signal
import sys


class Proxy:
    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.stalled = False
        self.writers = set()

    async def pipe(self, reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if not self.stalled:
                    writer.write(data)
                    await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def handle(self, client_reader, client_writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.close()
            return
        self.writers.update({client_writer, upstream_writer})
        await asyncio.gather(self.pipe(client_reader, upstream_writer), self.pipe(upstream_reader, client_writer))
        self.writers.difference_update({client_writer, upstream_writer})

    async def control(self, reader, writer):
        while line := await reader.readline():
            command = line.decode().strip()
            if command == "drop":
                for stream in list(self.writers):
                    stream.transport.abort()
            elif command == "stall":
                self.stalled = True
            elif command == "pass":
                self.stalled = False
            writer.write(b"ok\n")
            await writer.drain()
        writer.close()


async def main(listen_port, upstream_port, control_port, duration):
    proxy = Proxy(upstream_port)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", listen_port)
    control = await asyncio.start_server(proxy.control, "127.0.0.1", control_port)
    print("proxy ready", flush=True)
    async with server, control:
        await asyncio.sleep(duration)


if __name__ == "__main__":
    listen, upstream, control_port, seconds = (int(argument) for argument in sys.argv[1:5])
    # The test runner starts us with SIGTERM blocked (inherited from its thread): unblock it so
    # that the test's terminate() works, and end hard a little after DURATION_SECONDS whatever
    # the open connections do (SIGALRM's default action ends the process).
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGALRM})
    signal.alarm(seconds + 5)
    asyncio.run(main(listen, upstream, control_port, seconds))
    os._exit(0)
