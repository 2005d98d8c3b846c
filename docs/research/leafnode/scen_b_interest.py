"""b. Interest propagation both ways + LMSG/HMSG formats."""
import asyncio, time
import nats
from harness import Scenario

S = Scenario("b_interest", max_seconds=60)
HUB = """
server_name: hub
listen: 127.0.0.1:14700
debug: true
trace: true
leafnodes { listen: 127.0.0.1:14701 }
"""
LEAF = """
server_name: leaf
listen: 127.0.0.1:14704
debug: true
trace: true
leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:14702" } ] }
"""
S.server("hub", HUB, 14700)
S.proxy("proxy", 14702, 14701, 14703)
S.server("leaf", LEAF, 14704)
time.sleep(1.5)

def mark(t):
    S.ctl(14703, "mark " + t); S.note(t)

async def main():
    leafc = await nats.connect("nats://127.0.0.1:14704", name="leafclient")
    hubc = await nats.connect("nats://127.0.0.1:14700", name="hubclient")
    got = []
    def cb(tag):
        async def f(m):
            got.append(tag)
            S.note(f"{tag} got subj={m.subject} reply={m.reply!r} data={m.data!r} hdrs={m.headers}")
        return f
    mark("leaf client SUB foo")
    s_foo = await leafc.subscribe("foo", cb=cb("leaf:foo")); await leafc.flush(); await asyncio.sleep(0.3)
    mark("leaf client SUB bar.*")
    await leafc.subscribe("bar.*", cb=cb("leaf:bar.*")); await leafc.flush(); await asyncio.sleep(0.3)
    mark("leaf client SUB q queue=workers (member 1)")
    q1 = await leafc.subscribe("q", queue="workers", cb=cb("leaf:q#1")); await leafc.flush(); await asyncio.sleep(0.3)
    mark("leaf client SUB q queue=workers (member 2)")
    q2 = await leafc.subscribe("q", queue="workers", cb=cb("leaf:q#2")); await leafc.flush(); await asyncio.sleep(0.3)
    mark("leaf client SUB foo again (2nd plain sub on same subject)")
    s_foo2 = await leafc.subscribe("foo", cb=cb("leaf:foo#2")); await leafc.flush(); await asyncio.sleep(0.3)
    mark("leaf client UNSUB queue member 2")
    await q2.unsubscribe(); await leafc.flush(); await asyncio.sleep(0.3)
    mark("hub client SUB hub.>")
    await hubc.subscribe("hub.>", cb=cb("hub:hub.>")); await hubc.flush(); await asyncio.sleep(0.3)

    mark("hub PUB foo 'hello'")
    await hubc.publish("foo", b"hello"); await hubc.flush(); await asyncio.sleep(0.3)
    mark("hub PUB bar.x reply=rep.1 'withreply'")
    await hubc.publish("bar.x", b"withreply", reply="rep.1"); await hubc.flush(); await asyncio.sleep(0.3)
    mark("hub PUB q 'toqueue' (leaf has queue group workers)")
    await hubc.publish("q", b"toqueue"); await hubc.flush(); await asyncio.sleep(0.3)
    mark("hub PUB q reply=rep.q 'toqueue-reply'")
    await hubc.publish("q", b"toqueue-reply", reply="rep.q"); await hubc.flush(); await asyncio.sleep(0.3)
    mark("hub HPUB foo headers {X-A: 1} 'hdr'")
    await hubc.publish("foo", b"hdr", headers={"X-A": "1"}); await hubc.flush(); await asyncio.sleep(0.3)
    mark("hub HPUB q reply=rep.h headers {X-B: 2} 'hdr-q'")
    await hubc.publish("q", b"hdr-q", reply="rep.h", headers={"X-B": "2"}); await hubc.flush(); await asyncio.sleep(0.3)
    mark("hub PUB nointerest.subject (nothing should cross)")
    await hubc.publish("nointerest.subject", b"x"); await hubc.flush(); await asyncio.sleep(0.3)
    mark("hub PUB empty payload foo ''")
    await hubc.publish("foo", b""); await hubc.flush(); await asyncio.sleep(0.3)

    mark("leaf PUB hub.a 'up'")
    await leafc.publish("hub.a", b"up"); await leafc.flush(); await asyncio.sleep(0.3)
    mark("leaf PUB hub.b reply=_INBOX.r1 'up-reply'")
    await leafc.publish("hub.b", b"up-reply", reply="_INBOX.r1"); await leafc.flush(); await asyncio.sleep(0.3)
    mark("leaf HPUB hub.c headers {X-C: 3} reply=rr 'up-hdr'")
    await leafc.publish("hub.c", b"up-hdr", reply="rr", headers={"X-C": "3"}); await leafc.flush(); await asyncio.sleep(0.3)
    mark("leaf PUB foo (local only: leaf has the sub, hub has none)")
    await leafc.publish("foo", b"local"); await leafc.flush(); await asyncio.sleep(0.3)

    mark("leaf client UNSUB foo (1 of 2)")
    await s_foo.unsubscribe(); await leafc.flush(); await asyncio.sleep(0.3)
    mark("leaf client UNSUB foo (2 of 2)")
    await s_foo2.unsubscribe(); await leafc.flush(); await asyncio.sleep(0.3)
    mark("leaf client UNSUB last queue member")
    await q1.unsubscribe(); await leafc.flush(); await asyncio.sleep(0.3)
    mark("leaf client closes (remaining bar.* removed)")
    await leafc.close(); await asyncio.sleep(0.5)
    await hubc.close()

asyncio.run(asyncio.wait_for(main(), 40))
S.note("done")
S.finish(logs=("hub", "leaf"))
