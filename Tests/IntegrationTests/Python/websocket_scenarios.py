"""WebSocket scenarios driven by the official Python client (nats-py over aiohttp).

Usage: websocket_scenarios.py SCENARIO WS_URL [NATS_URL]

The server runs with `websocket { port: -1, no_tls: true }` (WebSocketTests.swift). Each
scenario raises AssertionError (exit status 1, with the reason) when the server does not behave
as nats-server does; the same scenarios run against Outpost and the reference nats-server.
"""

import asyncio
import sys

import nats

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)

SCENARIOS = {}


def scenario(function):
    SCENARIOS[function.__name__] = function
    return function


async def connect(url, **options):
    return await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=5, **options)


@scenario
async def pub_sub_request(ws_url, nats_url):
    web = await connect(ws_url)
    plain = await connect(nats_url)
    # WebSocket to TCP and back, with headers, a large payload and a request.
    from_web = await plain.subscribe("ws.>")
    to_web = await web.subscribe("tcp.>")
    await plain.flush()
    await web.flush()
    big = bytes(range(256)) * 2048  # 512 KiB in one message: several frames' worth
    await web.publish("ws.small", b"hello", headers={"X-Sensor": "a1"})
    await web.publish("ws.big", big)
    small = await from_web.next_msg(timeout=5)
    assert small.data == b"hello" and small.headers and small.headers.get("X-Sensor") == "a1", small
    large = await from_web.next_msg(timeout=5)
    assert large.data == big, f"{len(large.data)} bytes"
    for index in range(1000):
        await plain.publish(f"tcp.{index}", str(index).encode())
    for index in range(1000):
        message = await to_web.next_msg(timeout=5)
        assert message.data == str(index).encode(), (index, message.data)

    async def answer(message):
        await web.publish(message.reply, b"answered over websocket")

    await web.subscribe("service.time", cb=answer)
    await web.flush()
    reply = await plain.request("service.time", b"?", timeout=5)
    assert reply.data == b"answered over websocket", reply
    reply = await web.request("service.time", b"?", timeout=5)
    assert reply.data == b"answered over websocket", reply
    await web.close()
    await plain.close()


@scenario
async def plain_http_refused(ws_url, nats_url):
    # A plain HTTP GET on the WebSocket port is not upgraded (an error status, no NATS).
    host, port = ws_url.split("://", 1)[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\n\r\n")
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    assert status.startswith(b"HTTP/1.1 4"), status
    writer.close()
    # The listener still serves WebSocket clients.
    web = await connect(ws_url)
    await web.flush()
    await web.close()


async def main():
    name, *urls = sys.argv[1:]
    await asyncio.wait_for(SCENARIOS[name](*urls), 60)


if __name__ == "__main__":
    asyncio.run(main())
