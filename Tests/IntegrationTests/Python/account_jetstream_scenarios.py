"""JetStream in accounts, driven by nats-py (see AccountJetStreamTests.swift).

Usage: account_jetstream_scenarios.py PHASE URL

The server has accounts A (`jetstream: enabled`), B (no JetStream), C (`jetstream` with
max_streams 1, max_consumers 1) and a user g in the global account. PHASE `setup` checks who
has JetStream, the limits and the isolation of A and C (the same stream name and subjects in
both), and stores messages; `restarted` checks that A's and C's streams came back. Raises
AssertionError (exit status 1) when the server does not behave as nats-server does.
"""

import asyncio
import json
import sys

import nats

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)
from scenario_support import api, error_code
from scenario_support import connect_as as connect


async def setup(url):
    g, a, b, c = [await connect(url, user) for user in ("g", "a", "b", "c")]
    for nc, who in ((g, "the global account"), (b, "B")):
        for subject, body in (("INFO", None), ("STREAM.CREATE.ORDERS", {"name": "ORDERS", "subjects": ["orders.>"]}), ("STREAM.NAMES", {})):
            answer = await api(nc, subject, body)
            assert error_code(answer) == 10039, (who, subject, answer)
            assert answer["error"]["description"] == "JetStream not enabled for account", answer
    info = await api(b, "STREAM.NAMES", {})
    assert info["type"] == "io.nats.jetstream.api.v1.stream_names_response", info

    # A and C each get their own ORDERS on the same subjects: accounts do not share streams.
    for nc in (a, c):
        created = await api(nc, "STREAM.CREATE.ORDERS", {"name": "ORDERS", "subjects": ["orders.>"]})
        assert "error" not in created, created
    ja, jc = a.jetstream(), c.jetstream()
    for index in range(3):
        ack = await ja.publish("orders.new", f"a{index}".encode())
        assert ack.stream == "ORDERS" and ack.seq == index + 1, ack
    ack = await jc.publish("orders.new", b"c0")
    assert ack.seq == 1, ack
    assert (await ja.stream_info("ORDERS")).state.messages == 3
    assert (await jc.stream_info("ORDERS")).state.messages == 1

    # C's limits: one stream, one consumer.
    second = await api(c, "STREAM.CREATE.MORE", {"name": "MORE", "subjects": ["more"]})
    assert error_code(second) == 10027 and second["error"]["description"] == "maximum number of streams reached", second
    first = await api(c, "CONSUMER.DURABLE.CREATE.ORDERS.d1", {"stream_name": "ORDERS", "config": {"durable_name": "d1", "ack_policy": "explicit"}})
    assert "error" not in first, first
    other = await api(c, "CONSUMER.DURABLE.CREATE.ORDERS.d2", {"stream_name": "ORDERS", "config": {"durable_name": "d2", "ack_policy": "explicit"}})
    assert error_code(other) == 10026 and other["error"]["description"] == "maximum consumers limit reached", other
    limits = (await api(c, "INFO"))["limits"]
    assert limits["max_streams"] == 1 and limits["max_consumers"] == 1, limits
    assert (await api(a, "INFO"))["limits"]["max_streams"] == -1

    # A has no such limits.
    more = await api(a, "STREAM.CREATE.MORE", {"name": "MORE", "subjects": ["more"]})
    assert "error" not in more, more
    for nc in (g, a, b, c):
        await nc.close()


async def restarted(url):
    a, c = await connect(url, "a"), await connect(url, "c")
    assert (await a.jetstream().stream_info("ORDERS")).state.messages == 3
    assert (await c.jetstream().stream_info("ORDERS")).state.messages == 1
    names = (await api(a, "STREAM.NAMES", {}))["streams"]
    assert sorted(names) == ["MORE", "ORDERS"], names
    assert (await api(c, "STREAM.NAMES", {}))["streams"] == ["ORDERS"]
    await a.close()
    await c.close()


PHASES = {"setup": setup, "restarted": restarted}


if __name__ == "__main__":
    phase, url = sys.argv[1:]
    try:
        asyncio.run(asyncio.wait_for(PHASES[phase](url), 60))
    except AssertionError as error:
        print(f"FAILED {phase}: {error!r}")
        sys.exit(1)
