"""Stream mirrors and sources, driven by the official Python client (nats-py).

Usage: stream_sync_scenarios.py COMMAND ARGS...

  local_setup URL                 ORIG (orig.>) with 100 messages; MIRROR mirrors it; AGG
                                  sources its orig.a messages
  local_check URL TOTAL           after TOTAL messages in ORIG (publishing more if needed):
                                  MIRROR holds them all with ORIG's sequences, AGG holds the
                                  orig.a ones once each, in order, with Nats-Stream-Source
  publish URL STREAM_SUBJECT FIRST END    JetStream-publishes c<FIRST>..c<END-1>
  edge_mirror_setup EDGE_URL      on the edge: CMD mirrors the hub's COMMANDS ($JS.hub.API)
  hub_commands_setup HUB_URL      on the hub: COMMANDS (commands.>)
  edge_mirror_check EDGE_URL N    CMD holds exactly c0..c<N-1>, in order, once each, with the
                                  hub's sequences, and reports the mirror's state

StreamSyncTests.swift starts the servers (Outpost, or the reference for the same checks).
"""

import asyncio
import sys
import time

import nats
from nats.js.api import ExternalStream, StreamSource

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)


async def quiet(error):
    pass


async def connect(url):
    return await nats.connect(url, max_reconnect_attempts=0, connect_timeout=5, error_cb=quiet)


async def wait_messages(js, stream, count, timeout=30):
    deadline = time.monotonic() + timeout
    info = None
    while time.monotonic() < deadline:
        try:
            info = await js.stream_info(stream)
            if info.state.messages >= count:
                return info
        except Exception:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"{stream} holds {info.state.messages if info else '?'} messages, expected {count}")


async def local_setup(url):
    nc = await connect(url)
    js = nc.jetstream()
    await js.add_stream(name="ORIG", subjects=["orig.>"])
    for i in range(100):
        await js.publish(f"orig.{'a' if i % 2 == 0 else 'b'}", f"m{i}".encode())
    await js.add_stream(name="MIRROR", mirror=StreamSource(name="ORIG"))
    await js.add_stream(name="AGG", sources=[StreamSource(name="ORIG", filter_subject="orig.a")])
    await wait_messages(js, "MIRROR", 100)
    await wait_messages(js, "AGG", 50)
    await nc.close()


async def local_check(url, total):
    total = int(total)
    nc = await connect(url)
    js = nc.jetstream()
    have = (await js.stream_info("ORIG")).state.messages
    for i in range(have, total):
        await js.publish(f"orig.{'a' if i % 2 == 0 else 'b'}", f"m{i}".encode())
    mirror = await wait_messages(js, "MIRROR", total)
    await asyncio.sleep(1)  # a duplicate would arrive now
    mirror = await js.stream_info("MIRROR")
    assert mirror.state.messages == total, f"MIRROR holds {mirror.state.messages}, expected {total}"
    assert mirror.mirror is not None and mirror.mirror.name == "ORIG", mirror.mirror
    for seq in (1, total // 2, total):
        original = await js.get_msg("ORIG", seq)
        copy = await js.get_msg("MIRROR", seq)
        assert (copy.subject, copy.data) == (original.subject, original.data), (seq, copy, original)
    expected = [f"m{i}" for i in range(0, total, 2)]
    agg = await wait_messages(js, "AGG", len(expected))
    assert agg.state.messages == len(expected), f"AGG holds {agg.state.messages}, expected {len(expected)}"
    assert agg.sources and agg.sources[0].name == "ORIG", agg.sources
    seen = []
    for seq in range(1, len(expected) + 1):
        message = await js.get_msg("AGG", seq)
        seen.append(message.data.decode())
        assert message.headers and "Nats-Stream-Source" in message.headers, message.headers
    assert seen == expected, f"AGG order or content differs: {seen[:5]}... vs {expected[:5]}..."
    print(f"MIRROR holds {total}, AGG holds {len(expected)}, in order, once each")
    await nc.close()


async def publish(url, subject, first, end):
    nc = await connect(url)
    js = nc.jetstream()
    for i in range(int(first), int(end)):
        await js.publish(subject, f"c{i}".encode())
    await nc.close()


async def hub_commands_setup(hub_url):
    nc = await connect(hub_url)
    await nc.jetstream().add_stream(name="COMMANDS", subjects=["commands.>"])
    await nc.close()


async def edge_mirror_setup(edge_url):
    nc = await connect(edge_url)
    await nc.jetstream().add_stream(
        name="CMD", mirror=StreamSource(name="COMMANDS", external=ExternalStream(api="$JS.hub.API")))
    await nc.close()


async def edge_mirror_check(edge_url, count):
    count = int(count)
    nc = await connect(edge_url)
    js = nc.jetstream()
    info = await wait_messages(js, "CMD", count, timeout=60)
    await asyncio.sleep(1.5)
    info = await js.stream_info("CMD")
    assert info.state.messages == count, f"CMD holds {info.state.messages}, expected {count}"
    data = []
    for seq in range(1, count + 1):
        message = await js.get_msg("CMD", seq)
        data.append(message.data.decode())
    wanted = [f"c{i}" for i in range(count)]
    assert data == wanted, f"CMD differs: first wrong at {next(i for i, (a, b) in enumerate(zip(data, wanted)) if a != b)}"
    print(f"CMD holds c0..c{count - 1} with the hub's sequences; mirror lag {info.mirror.lag}, active {info.mirror.active}")
    await nc.close()


COMMANDS = {
    "local_setup": local_setup, "local_check": local_check, "publish": publish,
    "hub_commands_setup": hub_commands_setup, "edge_mirror_setup": edge_mirror_setup,
    "edge_mirror_check": edge_mirror_check,
}

if __name__ == "__main__":
    try:
        asyncio.run(asyncio.wait_for(COMMANDS[sys.argv[1]](*sys.argv[2:]), timeout=120))
    except AssertionError as error:
        print(f"FAILED {sys.argv[1]}: {error}")
        sys.exit(1)
