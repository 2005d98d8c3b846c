"""d. Queue groups with members on both sides of the link."""
import asyncio, time, collections
import nats
from harness import Scenario

S = Scenario("d_queues", max_seconds=60)
S.server("hub", """
server_name: hub
listen: 127.0.0.1:14700
debug: true
leafnodes { listen: 127.0.0.1:14701 }
""", 14700)
S.proxy("proxy", 14702, 14701, 14703)
S.server("leaf", """
server_name: leaf
listen: 127.0.0.1:14704
debug: true
leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:14702" } ] }
""", 14704)
time.sleep(1.5)

def mark(t):
    S.ctl(14703, "mark " + t); S.note(t)

async def main():
    leafc = await nats.connect("nats://127.0.0.1:14704", name="leafclient")
    hubc = await nats.connect("nats://127.0.0.1:14700", name="hubclient")
    cnt = collections.Counter()
    def cb(tag):
        async def f(m):
            cnt[tag] += 1
        return f
    mark("leaf: 2 members of q/workers; hub: 1 member of q/workers")
    l1 = await leafc.subscribe("q", queue="workers", cb=cb("leaf-m1"))
    l2 = await leafc.subscribe("q", queue="workers", cb=cb("leaf-m2"))
    h1 = await hubc.subscribe("q", queue="workers", cb=cb("hub-m1"))
    await leafc.flush(); await hubc.flush(); await asyncio.sleep(0.5)

    async def burst(conn, who, n=10):
        cnt.clear()
        for i in range(n):
            await conn.publish("q", f"{who}-{i}".encode())
        await conn.flush(); await asyncio.sleep(0.5)
        S.note(f"  published {n} on {who}: deliveries {dict(cnt)}")

    mark("publish 10 on LEAF"); await burst(leafc, "leaf")
    mark("publish 10 on HUB"); await burst(hubc, "hub")
    mark("hub member unsubscribes; publish 5 on HUB (must cross to leaf)")
    await h1.unsubscribe(); await hubc.flush(); await asyncio.sleep(0.3)
    await burst(hubc, "hub", 5)
    mark("hub member back; leaf members unsubscribe; publish 5 on LEAF (must cross to hub)")
    h1 = await hubc.subscribe("q", queue="workers", cb=cb("hub-m1")); await hubc.flush()
    await l1.unsubscribe(); await l2.unsubscribe(); await leafc.flush(); await asyncio.sleep(0.3)
    await burst(leafc, "leaf", 5)
    mark("leaf: plain sub q + queue groups g1 and g2 on q + workers again; publish 1 on HUB with reply (one LMSG lists all queues)")
    await h1.unsubscribe(); await hubc.flush()
    await leafc.subscribe("q", cb=cb("leaf-plain"))
    await leafc.subscribe("q", queue="g1", cb=cb("leaf-g1"))
    await leafc.subscribe("q", queue="g2", cb=cb("leaf-g2"))
    await leafc.flush(); await asyncio.sleep(0.3)
    cnt.clear()
    await hubc.publish("q", b"multi", reply="r.multi"); await hubc.flush(); await asyncio.sleep(0.3)
    S.note(f"  deliveries {dict(cnt)}")
    cnt.clear()
    mark("publish 1 on HUB without reply")
    await hubc.publish("q", b"multi2"); await hubc.flush(); await asyncio.sleep(0.3)
    S.note(f"  deliveries {dict(cnt)}")
    mark("hub adds q/g1 member too; publish 4 on HUB (hub member local preference)")
    await hubc.subscribe("q", queue="g1", cb=cb("hub-g1")); await hubc.flush(); await asyncio.sleep(0.3)
    cnt.clear()
    for i in range(4):
        await hubc.publish("q", b"m3")
    await hubc.flush(); await asyncio.sleep(0.3)
    S.note(f"  deliveries {dict(cnt)}")
    await leafc.close(); await hubc.close()

asyncio.run(asyncio.wait_for(main(), 40))
S.note("done")
S.finish(logs=())
