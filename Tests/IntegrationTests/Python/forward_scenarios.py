"""Store-and-forward scenarios: core messages published at the edge reach a hub stream.

Usage: forward_scenarios.py COMMAND URL [ARGS...]

  make_stream HUB_URL              creates stream TEL (subjects telemetry.>) on the hub
  publish EDGE_URL FIRST END       core-publishes m<FIRST>..m<END-1> on telemetry.s<i % 3>
  wait_count HUB_URL N             returns once TEL holds at least N messages (60 s at most)
  check HUB_URL FIRST LAST         TEL holds exactly m<FIRST>..m<LAST>, in order, once each,
                                   each with a Nats-Msg-Id

ForwardTests.swift starts the servers (Debian's nats-server as the hub, Outpost as the leaf with
`store_and_forward` on telemetry.>) and takes them down and up between commands.
"""

import asyncio
import sys
import time

import nats

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)


async def quiet(error):
    pass


async def connect(url):
    return await nats.connect(url, max_reconnect_attempts=0, connect_timeout=5, error_cb=quiet)


async def make_stream(hub_url):
    hub = await connect(hub_url)
    await hub.jetstream().add_stream(name="TEL", subjects=["telemetry.>"])
    await hub.close()


async def publish(edge_url, first, end):
    edge = await connect(edge_url)
    for i in range(int(first), int(end)):
        await edge.publish(f"telemetry.s{i % 3}", f"m{i}".encode())
        if i % 1000 == 999:
            await edge.flush()
    await edge.flush()
    await edge.close()


async def count(hub_url):
    hub = await connect(hub_url)
    try:
        return (await hub.jetstream().stream_info("TEL")).state.messages
    finally:
        await hub.close()


async def wait_count(hub_url, n, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if await count(hub_url) >= int(n):
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"TEL did not reach {n} messages")
        await asyncio.sleep(0.1)


async def check(hub_url, first, last):
    first, last = int(first), int(last)
    expected = last - first + 1
    await wait_count(hub_url, expected)
    await asyncio.sleep(1.5)  # a duplicate or a straggler would arrive now
    hub = await connect(hub_url)
    js = hub.jetstream()
    info = await js.stream_info("TEL")
    assert info.state.messages == expected, f"TEL holds {info.state.messages}, expected {expected}"
    consumer = await js.pull_subscribe("telemetry.>", stream="TEL")
    seen = []
    while len(seen) < expected:
        for msg in await consumer.fetch(min(1000, expected - len(seen)), timeout=5):
            seen.append(msg)
            await msg.ack()
    data = [m.data.decode() for m in seen]
    wanted = [f"m{i}" for i in range(first, last + 1)]
    if data != wanted:
        wrong = next(i for i, (a, b) in enumerate(zip(data, wanted)) if a != b)
        raise AssertionError(f"order or content differs at {wrong}: {data[wrong:wrong + 5]} instead of {wanted[wrong:wrong + 5]}")
    for msg in seen:
        assert msg.subject == f"telemetry.s{int(msg.data[1:]) % 3}", f"subject {msg.subject} for {msg.data}"
        assert msg.headers and msg.headers.get("Nats-Msg-Id"), f"no Nats-Msg-Id on {msg.data}"
    print(f"TEL holds m{first}..m{last}: {expected} messages, in order, once each")
    await hub.close()


async def profile_reading(hub_url, edge_url, credentials):
    """Profiles/sensor-gateway.conf: a reading published at the edge reaches a subscriber at
    an operator-mode hub (connected with the same credentials), through the forward buffer
    (which adds a Nats-Msg-Id)."""
    hub = await nats.connect(hub_url, user_credentials=credentials, max_reconnect_attempts=0, connect_timeout=5, error_cb=quiet)
    readings = await hub.subscribe("telemetry.>")
    await hub.flush()
    edge = await connect(edge_url)
    deadline = time.monotonic() + 20
    message = None
    # The hub's interest crosses the link after the subscription; publish until it is there.
    while message is None and time.monotonic() < deadline:
        await edge.publish("telemetry.greenhouse.temp", b"21.5")
        await edge.flush()
        try:
            message = await readings.next_msg(timeout=0.5)
        except nats.errors.TimeoutError:
            pass
    assert message is not None, "no reading reached the hub"
    assert message.subject == "telemetry.greenhouse.temp" and message.data == b"21.5", message
    assert message.headers and message.headers.get("Nats-Msg-Id"), f"no Nats-Msg-Id: {message.headers}"
    await edge.close()
    await hub.close()


COMMANDS = {"profile_reading": profile_reading, "make_stream": make_stream, "publish": publish, "wait_count": wait_count, "check": check}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    try:
        asyncio.run(asyncio.wait_for(COMMANDS[sys.argv[1]](*sys.argv[2:]), timeout=120))
    except AssertionError as error:
        print(f"FAILED {sys.argv[1]}: {error}")
        sys.exit(1)
