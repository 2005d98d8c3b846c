"""Leafnode scenarios driven by the official Python client (nats-py).

Usage: leafnode_scenarios.py SCENARIO HUB_URL EDGE_URL [ARGS...]

HUB_URL is a client port of the hub (always Debian's nats-server, JetStream domain "hub"); EDGE_URL
a client port of the leaf (Outpost, or nats-server for the reference run, JetStream domain
"edge") whose `leafnodes.remotes` points at the hub. LeafnodeTests.swift starts both and waits
for the link before it runs a scenario. Each scenario raises AssertionError (exit status 1, with
the reason) when the pair does not behave as two nats-servers do.
"""

import asyncio
import json
import sys
import time

import nats
import nats.errors
from nats.js import api

import natspy_ordering  # noqa: F401  flush() orders after what was queued (see the module)


async def connect(url):
    return await nats.connect(url, max_reconnect_attempts=0, connect_timeout=5)


async def until(predicate, timeout=10.0, what="condition"):
    """Polls `predicate` (sync or async) until it is true."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def interest_reaches(publisher, subject, inbox_messages, count_before, timeout=5.0):
    """Publishes probes on `subject` until one arrives: interest takes a moment to cross."""
    deadline = time.monotonic() + timeout
    while len(inbox_messages) == count_before:
        await publisher.publish(subject, b"probe")
        await publisher.flush()
        await asyncio.sleep(0.05)
        if time.monotonic() > deadline:
            raise AssertionError(f"interest in {subject} never crossed the link")


async def interest(hub_url, edge_url):
    """Subscriptions on either side receive what the other side publishes, headers included."""
    hub, edge = await connect(hub_url), await connect(edge_url)
    at_edge, at_hub = [], []

    async def on_edge(msg):
        at_edge.append(msg)

    async def on_hub(msg):
        at_hub.append(msg)

    await edge.subscribe("down.>", cb=on_edge)
    await hub.subscribe("up.*", cb=on_hub)
    await interest_reaches(hub, "down.probe", at_edge, 0)
    await interest_reaches(edge, "up.probe", at_hub, 0)
    at_edge.clear()
    at_hub.clear()
    for i in range(100):
        await hub.publish(f"down.{i}", f"d{i}".encode(), headers={"X-Seq": str(i)} if i % 2 else None)
        await edge.publish(f"up.{i}", f"u{i}".encode())
    await until(lambda: len(at_edge) == 100 and len(at_hub) == 100, what="100 messages each way")
    assert [m.data for m in at_edge] == [f"d{i}".encode() for i in range(100)], "order down"
    assert [m.data for m in at_hub] == [f"u{i}".encode() for i in range(100)], "order up"
    assert at_edge[1].headers == {"X-Seq": "1"}, f"headers crossed: {at_edge[1].headers}"
    assert at_edge[2].headers is None
    # Unsubscribing withdraws the interest: the hub stops sending.
    sub = await edge.subscribe("gone.x", cb=on_edge)
    before = len(at_edge)
    await interest_reaches(hub, "gone.x", at_edge, before)
    await sub.unsubscribe()
    await edge.flush()
    await asyncio.sleep(0.3)
    # A publish with no subscriber anywhere is not an error, and nothing arrives.
    before = len(at_edge)
    await hub.publish("gone.x", b"late")
    await hub.flush()
    await asyncio.sleep(0.3)
    assert len(at_edge) == before, "a withdrawn subscription still received"
    await hub.close()
    await edge.close()


async def request_reply(hub_url, edge_url):
    """Requests cross both ways; no responders anywhere gives the 503 status, not a timeout."""
    hub, edge = await connect(hub_url), await connect(edge_url)

    async def edge_service(msg):
        await msg.respond(b"edge:" + msg.data)

    async def hub_service(msg):
        await msg.respond(b"hub:" + msg.data)

    await edge.subscribe("svc.edge", cb=edge_service)
    await hub.subscribe("svc.hub", cb=hub_service)

    async def answered(client, subject, expected):
        try:
            reply = await client.request(subject, b"x", timeout=0.5)
            return reply.data == expected
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
            return False

    await until(lambda: answered(hub, "svc.edge", b"edge:x"), what="the hub reaching the edge service")
    await until(lambda: answered(edge, "svc.hub", b"hub:x"), what="the edge reaching the hub service")
    for i in range(50):
        reply = await hub.request("svc.edge", str(i).encode(), timeout=2)
        assert reply.data == f"edge:{i}".encode()
        reply = await edge.request("svc.hub", str(i).encode(), timeout=2)
        assert reply.data == f"hub:{i}".encode()
    for client in (hub, edge):
        started = time.monotonic()
        try:
            await client.request("svc.nobody", b"x", timeout=3)
            raise AssertionError("a request nobody serves was answered")
        except nats.errors.NoRespondersError:
            pass
        assert time.monotonic() - started < 1.0, "no-responders took a timeout instead of a 503"
    await hub.close()
    await edge.close()


async def queues(hub_url, edge_url):
    """A queue group with members on both sides: each side serves its own publishers (local
    members first); when one side's members leave, the other side's members get the messages,
    each exactly once."""
    hub, edge = await connect(hub_url), await connect(edge_url)
    got = {"hub": [], "edge": []}

    def member(side):
        async def handler(msg):
            got[side].append(msg.data)
        return handler

    hub_subs = [await hub.subscribe("work", queue="workers", cb=member("hub")) for _ in range(2)]
    edge_subs = [await edge.subscribe("work", queue="workers", cb=member("edge")) for _ in range(2)]
    await hub.flush()
    await edge.flush()
    await asyncio.sleep(0.5)
    for i in range(50):
        await edge.publish("work", f"e{i}".encode())
        await hub.publish("work", f"h{i}".encode())
    await until(lambda: len(got["hub"]) + len(got["edge"]) == 100, what="100 queue messages")
    await asyncio.sleep(0.2)
    assert sorted(got["edge"]) == sorted(f"e{i}".encode() for i in range(50)), f"edge members got {len(got['edge'])}"
    assert sorted(got["hub"]) == sorted(f"h{i}".encode() for i in range(50)), f"hub members got {len(got['hub'])}"
    # The edge members leave: edge publishes go to the hub's members, once each.
    for sub in edge_subs:
        await sub.unsubscribe()
    await edge.flush()
    got["hub"].clear()
    got["edge"].clear()
    await until(lambda: probe_queue(edge, got), timeout=5, what="the edge's publishes reaching hub members")
    got["hub"].clear()
    for i in range(50):
        await edge.publish("work", f"x{i}".encode())
    await until(lambda: len(got["hub"]) >= 50, what="50 messages at the hub members")
    await asyncio.sleep(0.3)
    assert sorted(m for m in got["hub"] if m.startswith(b"x")) == sorted(f"x{i}".encode() for i in range(50)), "each once"
    assert not got["edge"], "an unsubscribed member received"
    await hub.close()
    await edge.close()


async def probe_queue(edge, got):
    await edge.publish("work", b"probe")
    await edge.flush()
    await asyncio.sleep(0.05)
    return b"probe" in got["hub"]


async def jetstream_domains(hub_url, edge_url):
    """`$JS.<domain>.API` reaches each side's JetStream across the link; `$JS.API` stays local."""
    hub, edge = await connect(hub_url), await connect(edge_url)

    async def domain_of(client, subject):
        reply = await client.request(subject, b"", timeout=2)
        return json.loads(reply.data).get("domain")

    async def reaches(client, subject, domain):
        try:
            return await domain_of(client, subject) == domain
        except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
            return False

    await until(lambda: reaches(hub, "$JS.edge.API.INFO", "edge"), what="$JS.edge.API from the hub")
    await until(lambda: reaches(edge, "$JS.hub.API.INFO", "hub"), what="$JS.hub.API from the edge")
    assert await domain_of(hub, "$JS.API.INFO") == "hub"
    assert await domain_of(edge, "$JS.API.INFO") == "edge"
    # Exactly one answer to a local $JS.API request (the other side's JetStream must not answer).
    inbox = edge.new_inbox()
    answers = []

    async def collect(msg):
        answers.append(msg)

    await edge.subscribe(inbox, cb=collect)
    await edge.publish("$JS.API.INFO", b"", reply=inbox)
    await edge.flush()
    await asyncio.sleep(0.5)
    assert len(answers) == 1, f"{len(answers)} answers to one $JS.API.INFO"
    # A stream created on the edge from the hub, then used by an edge client.
    hub_edge_js = hub.jetstream(domain="edge")
    name = f"FROMHUB{int(time.time() * 1000) % 100000}"
    await hub_edge_js.add_stream(name=name, subjects=[f"{name.lower()}.>"])
    ack = await edge.jetstream().publish(f"{name.lower()}.a", b"1")
    assert ack.stream == name and ack.seq == 1, f"{ack}"
    info = await hub_edge_js.stream_info(name)
    assert info.state.messages == 1
    await hub_edge_js.delete_stream(name)
    await hub.close()
    await edge.close()


async def source_setup(hub_url, edge_url, count):
    """Creates stream S on the edge with `count` messages, and on the hub a stream AGG sourcing it
    and a stream MIR mirroring it, both through `$JS.edge.API`."""
    count = int(count)
    hub, edge = await connect(hub_url), await connect(edge_url)
    edge_js, hub_js = edge.jetstream(), hub.jetstream()
    await edge_js.add_stream(name="S", subjects=["s.>"])
    await publish_numbered(edge_js, 0, count)
    external = api.ExternalStream(api="$JS.edge.API")
    await hub_js.add_stream(api.StreamConfig(name="AGG", sources=[api.StreamSource(name="S", external=external)]))
    await hub_js.add_stream(api.StreamConfig(name="MIR", mirror=api.StreamSource(name="S", external=external)))
    await hub.close()
    await edge.close()


async def publish_numbered(edge_js, start, end):
    for i in range(start, end):
        await edge_js.publish(f"s.{i % 5}", f"m{i}".encode(), headers={"X-N": str(i)} if i % 3 == 0 else None)


async def source_publish(hub_url, edge_url, start, end):
    """Publishes messages start..<end into the edge stream S (the hub may be down)."""
    edge = await connect(edge_url)
    await publish_numbered(edge.jetstream(), int(start), int(end))
    await edge.close()


async def source_check(hub_url, edge_url, count):
    """AGG and MIR on the hub hold exactly messages 0..<count, in order, once each."""
    count = int(count)
    hub = await connect(hub_url)
    hub_js = hub.jetstream()

    async def caught_up():
        try:
            agg, mir = await hub_js.stream_info("AGG"), await hub_js.stream_info("MIR")
        except Exception:
            return False
        return agg.state.messages >= count and mir.state.messages >= count

    await until(caught_up, timeout=40, what=f"AGG and MIR to reach {count}")
    await asyncio.sleep(1.5)  # anything extra (a duplicate) would arrive now
    for name in ("AGG", "MIR"):
        info = await hub_js.stream_info(name)
        assert info.state.messages == count, f"{name} holds {info.state.messages}, expected {count}"
        consumer = await hub_js.pull_subscribe("s.>", durable=None, stream=name)
        seen = []
        while len(seen) < count:
            batch = await consumer.fetch(min(500, count - len(seen)), timeout=5)
            for msg in batch:
                seen.append(msg)
                await msg.ack()
        for i, msg in enumerate(seen):
            assert msg.data == f"m{i}".encode(), f"{name}[{i}] = {msg.data!r}"
            assert msg.subject == f"s.{i % 5}", f"{name}[{i}] subject {msg.subject}"
            if i % 3 == 0:
                assert msg.headers and msg.headers.get("X-N") == str(i), f"{name}[{i}] headers {msg.headers}"
        if name == "MIR":
            assert seen[-1].metadata.sequence.stream == count, "a mirror keeps the source's sequence numbers"
        else:
            source = seen[0].headers.get("Nats-Stream-Source", "")
            assert source.startswith("S:"), f"Nats-Stream-Source {source!r}"
        await consumer.unsubscribe()
    print(f"AGG and MIR hold {count} messages each, in order, once each")
    await hub.close()


async def api_level(hub_url, edge_url, expected):
    """A consumer create carrying `Nats-Required-Api-Level: 4`, as a 2.14 hub sends it to source a
    stream, over `$JS.edge.API`. `expected` is "10185" (a server that implements a lower level:
    Outpost, nats-server 2.12+ below 4) or "created" (nats-server 2.9, which predates the header)."""
    hub, edge = await connect(hub_url), await connect(edge_url)
    await edge.jetstream().add_stream(name="LVL", subjects=["lvl.>"])
    request = {"stream_name": "LVL", "config": {"deliver_policy": "all", "ack_policy": "none",
               "deliver_subject": "$JS.S.levelprobe", "idle_heartbeat": 1000000000, "flow_control": True,
               "sourcing": True}}
    reply = await hub.request("$JS.edge.API.CONSUMER.CREATE.LVL", json.dumps(request).encode(),
                              timeout=3, headers={"Nats-Required-Api-Level": "4"})
    answer = json.loads(reply.data)
    if expected == "10185":
        error = answer.get("error") or {}
        assert error.get("err_code") == 10185 and error.get("code") == 412, f"{answer}"
        assert error.get("description") == "JetStream minimum api level required", f"{answer}"
    else:
        assert "error" not in answer and answer.get("name"), f"{answer}"
    # Without the header, the same request creates the consumer.
    del request["config"]["sourcing"]
    reply = await hub.request("$JS.edge.API.CONSUMER.CREATE.LVL", json.dumps(request).encode(), timeout=3)
    answer = json.loads(reply.data)
    assert "error" not in answer and answer.get("name"), f"{answer}"
    await edge.jetstream().delete_stream("LVL")
    await hub.close()
    await edge.close()


async def accepted_interest(hub_url, leaf_url):
    """The hub here is the server under test; the leaf connecting to it is nats-server."""
    await interest(hub_url, leaf_url)
    await request_reply(hub_url, leaf_url)


async def hub_permissions(hub_url, edge_url):
    """The hub's user for the link may publish foo.> but not foo.secret and subscribe bar.> but
    not bar.x (the hub's INFO carries them as `export` and `import`): the leaf announces only
    interest it may import and sends only what it may export. A 2.9 hub would deliver whatever
    the leaf sent, and closes the link on a literal LS+ it does not allow."""
    hub, edge = await connect(hub_url), await connect(edge_url)
    at_edge, at_hub = [], []

    async def on_edge(msg):
        at_edge.append(msg.subject)

    async def on_hub(msg):
        at_hub.append(msg.subject)

    for subject in ["bar.ok", "bar.x", "zzz"]:
        await edge.subscribe(subject, cb=on_edge)
    await edge.flush()
    await interest_reaches(hub, "bar.ok", at_edge, 0)
    count = len(at_edge)
    for subject in ["bar.x", "zzz"]:
        await hub.publish(subject, b"not for the leaf")
    await hub.publish("bar.ok", b"fence")
    await hub.flush()
    await until(lambda: len(at_edge) > count, what="the fence on bar.ok")
    assert set(at_edge) == {"bar.ok"}, at_edge

    # The hub's interest decides what the leaf sends: a literal subscription outside the leaf's
    # import list is still served.
    at_hub_literal = []

    async def on_hub_literal(msg):
        at_hub_literal.append(msg.subject)

    await hub.subscribe("foo.ok", cb=on_hub_literal)
    await hub.flush()
    await interest_reaches(edge, "foo.ok", at_hub_literal, 0)

    await hub.subscribe(">", cb=on_hub)
    await hub.flush()
    await interest_reaches(edge, "foo.ok", at_hub, 0)
    count = len(at_hub)
    for subject in ["foo.secret", "zzz.out", "bar.ok"]:
        await edge.publish(subject, b"not for the hub")
    await edge.publish("foo.ok", b"fence")
    await edge.flush()
    await until(lambda: "foo.ok" in at_hub[count:], what="the fence on foo.ok")
    assert set(at_hub) == {"foo.ok"}, at_hub
    await hub.close()
    await edge.close()


SCENARIOS = {
    "interest": interest,
    "request_reply": request_reply,
    "queues": queues,
    "jetstream_domains": jetstream_domains,
    "source_setup": source_setup,
    "source_publish": source_publish,
    "source_check": source_check,
    "accepted_interest": accepted_interest,
    "api_level": api_level,
    "hub_permissions": hub_permissions,
}


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in SCENARIOS:
        print(__doc__)
        print("scenarios:", ", ".join(SCENARIOS))
        sys.exit(2)
    try:
        asyncio.run(asyncio.wait_for(SCENARIOS[sys.argv[1]](*sys.argv[2:]), timeout=90))
    except AssertionError as error:
        print(f"FAILED {sys.argv[1]}: {error}")
        sys.exit(1)


if __name__ == "__main__":
    main()
