"""Core NATS scenarios driven by the official Python client (nats-py).

Usage: core_scenarios.py SCENARIO URL

Each scenario connects to the server at URL, exercises one feature and raises AssertionError
(exit status 1, with the reason) when the server does not behave as nats-server does. The same
scenarios run against Outpost and against the reference nats-server (see CoreClientTests.swift).
"""

import asyncio
import sys

import nats
from nats.errors import NoRespondersError

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)
from scenario_support import expect_nothing

SCENARIOS = {}


def scenario(function):
    SCENARIOS[function.__name__] = function
    return function


async def collect(subscription, count, timeout=5.0):
    messages = []
    for _ in range(count):
        messages.append(await subscription.next_msg(timeout=timeout))
    return messages


@scenario
async def pub_sub(url):
    nc = await nats.connect(url)
    sub = await nc.subscribe("greet.joe")
    await nc.publish("greet.joe", b"hello")
    await nc.publish("greet.ann", b"not for joe")
    [message] = await collect(sub, 1)
    assert message.subject == "greet.joe" and message.data == b"hello", message
    await expect_nothing(sub)
    await nc.close()


@scenario
async def wildcards(url):
    nc = await nats.connect(url)
    star = await nc.subscribe("sensors.*.temp")
    tail = await nc.subscribe("sensors.>")
    await nc.publish("sensors.kitchen.temp", b"21")
    await nc.publish("sensors.kitchen.humidity", b"40")
    await nc.publish("sensors", b"no token after")
    await nc.flush()
    [m] = await collect(star, 1)
    assert m.subject == "sensors.kitchen.temp"
    await expect_nothing(star)
    got = sorted(m.subject for m in await collect(tail, 2))
    assert got == ["sensors.kitchen.humidity", "sensors.kitchen.temp"], got
    await expect_nothing(tail)
    await nc.close()


@scenario
async def queue_groups(url):
    nc = await nats.connect(url)
    counts = {"a": 0, "b": 0, "c": 0}
    done = asyncio.Event()
    total = 300

    def handler(name):
        async def on_message(message):
            counts[name] += 1
            if sum(counts.values()) == total:
                done.set()
        return on_message

    for name in counts:
        await nc.subscribe("jobs", queue="workers", cb=handler(name))
    plain = await nc.subscribe("jobs")
    for index in range(total):
        await nc.publish("jobs", str(index).encode())
    await asyncio.wait_for(done.wait(), 5)
    await asyncio.sleep(0.2)
    # Each message went to exactly one member of the group, and to the plain subscriber.
    assert sum(counts.values()) == total, counts
    assert all(value > 0 for value in counts.values()), counts
    plain_messages = await collect(plain, total)
    assert len(plain_messages) == total
    await nc.close()


@scenario
async def request_reply(url):
    responder = await nats.connect(url)
    requester = await nats.connect(url)

    async def on_request(message):
        await message.respond(b"echo:" + message.data)

    await responder.subscribe("service.echo", cb=on_request)
    await responder.flush()
    for index in range(50):
        reply = await requester.request("service.echo", f"ping{index}".encode(), timeout=2)
        assert reply.data == f"echo:ping{index}".encode(), reply.data
    await responder.close()
    await requester.close()


@scenario
async def headers(url):
    nc = await nats.connect(url)
    sub = await nc.subscribe("with.headers")
    await nc.publish("with.headers", b"body", headers={"Trace-Id": "abc123", "X-Multi": "v1"})
    [message] = await collect(sub, 1)
    assert message.data == b"body", message.data
    assert message.headers.get("Trace-Id") == "abc123", message.headers
    assert message.headers.get("X-Multi") == "v1", message.headers
    # A request with headers goes to a responder and comes back with its headers.

    async def on_request(request):
        await nc.publish(request.reply, b"ok", headers={"Answered-By": "test"})

    await nc.subscribe("svc.headers", cb=on_request)
    reply = await nc.request("svc.headers", b"q", headers={"Q": "1"}, timeout=2)
    assert reply.headers.get("Answered-By") == "test", reply.headers
    await nc.close()


@scenario
async def no_responders(url):
    nc = await nats.connect(url)
    try:
        await nc.request("nobody.listens", b"hello?", timeout=2)
    except NoRespondersError:
        pass
    else:
        raise AssertionError("expected NoRespondersError")
    await nc.close()


@scenario
async def auto_unsubscribe(url):
    nc = await nats.connect(url)
    sub = await nc.subscribe("limited", max_msgs=3)
    for index in range(10):
        await nc.publish("limited", str(index).encode())
    await nc.flush()
    messages = await collect(sub, 3)
    assert [m.data for m in messages] == [b"0", b"1", b"2"], messages
    await expect_nothing(sub)
    # Unsubscribing with a maximum after deliveries: the maximum counts what was delivered.
    sub2 = await nc.subscribe("limited2")
    await nc.publish("limited2", b"a")
    await nc.flush()
    await collect(sub2, 1)
    await sub2.unsubscribe(limit=2)
    for index in range(5):
        await nc.publish("limited2", str(index).encode())
    await nc.flush()
    [second] = await collect(sub2, 1)
    assert second.data == b"0", second.data
    await expect_nothing(sub2)
    await nc.close()


@scenario
async def many_in_order(url):
    """Thousands of messages of varied sizes arrive complete, intact and in order."""
    publisher = await nats.connect(url)
    subscriber = await nats.connect(url)
    received = []
    done = asyncio.Event()
    total = 5000

    async def on_message(message):
        received.append(message.data)
        if len(received) == total:
            done.set()

    await subscriber.subscribe("stream.data", cb=on_message, pending_msgs_limit=total * 2)
    await subscriber.flush()
    payloads = [bytes((index + offset) % 251 for offset in range(index % 700)) + index.to_bytes(4, "big") for index in range(total)]
    for payload in payloads:
        await publisher.publish("stream.data", payload)
    await publisher.flush()
    await asyncio.wait_for(done.wait(), 20)
    assert len(received) == total
    for index, (expected, got) in enumerate(zip(payloads, received)):
        assert expected == got, f"message {index} differs"
    await publisher.close()
    await subscriber.close()


@scenario
async def echo_off(url):
    nc = await nats.connect(url, no_echo=True)
    other = await nats.connect(url)
    mine = await nc.subscribe("echo.test")
    theirs = await other.subscribe("echo.test")
    await nc.flush()
    await other.flush()
    await nc.publish("echo.test", b"from nc")
    await other.publish("echo.test", b"from other")
    await nc.flush()
    await other.flush()
    [m] = await collect(mine, 1)
    assert m.data == b"from other", m.data
    await expect_nothing(mine)
    got = sorted(m.data for m in await collect(theirs, 2))
    assert got == [b"from nc", b"from other"], got
    await nc.close()
    await other.close()


@scenario
async def large_payload(url):
    nc = await nats.connect(url)
    limit = nc.max_payload
    assert limit == 1024 * 1024, limit
    sub = await nc.subscribe("big")
    body = bytes(index % 256 for index in range(limit))
    await nc.publish("big", body)
    [m] = await collect(sub, 1)
    assert m.data == body
    try:
        await nc.publish("big", body + b"x")
    except nats.errors.MaxPayloadError:
        pass
    else:
        raise AssertionError("expected MaxPayloadError from the client")
    await nc.close()


@scenario
async def drain(url):
    nc = await nats.connect(url)
    received = []

    async def on_message(message):
        await asyncio.sleep(0.001)
        received.append(message.data)

    await nc.subscribe("drain.me", cb=on_message)
    # The server has the subscription before the other connection publishes (nothing orders two
    # connections otherwise: CI once saw all 100 published before the SUB was read).
    await nc.flush()
    other = await nats.connect(url)
    for index in range(100):
        await other.publish("drain.me", str(index).encode())
    await other.flush()
    await asyncio.sleep(0.2)
    await nc.drain()
    assert len(received) == 100, len(received)
    await other.close()


async def main():
    name, url = sys.argv[1], sys.argv[2]
    await asyncio.wait_for(SCENARIOS[name](url), 60)


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print("\n".join(SCENARIOS))
        sys.exit(0)
    asyncio.run(main())
