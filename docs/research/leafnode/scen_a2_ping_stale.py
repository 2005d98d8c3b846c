"""a2. PING/PONG cadence with ping_interval 2s / max_pings_out 2, then a stalled link
(proxy pauses both directions) -> stale connection detection and reconnect."""
import asyncio, time
import nats
from harness import Scenario

S = Scenario("a2_ping_stale", max_seconds=60)
S.server("hub", """
server_name: hub
listen: 127.0.0.1:14700
debug: true
ping_interval: "2s"
ping_max: 2
leafnodes { listen: 127.0.0.1:14701, advertise: "127.0.0.1:14702" }
""", 14700)
S.proxy("proxy", 14702, 14701, 14703)
S.server("leaf", """
server_name: leaf
listen: 127.0.0.1:14704
debug: true
ping_interval: "2s"
ping_max: 2
leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:14702" } ] }
""", 14704)
S.note("idle 7 s (cadence)")
time.sleep(7)

async def traffic():
    hubc = await nats.connect("nats://127.0.0.1:14700")
    leafc = await nats.connect("nats://127.0.0.1:14704")
    await leafc.subscribe("t")
    await leafc.flush(); await asyncio.sleep(0.2)
    S.ctl(14703, "mark hub publishes on t every 300 ms for 5 s (traffic hub->leaf)")
    S.note("traffic hub->leaf 5 s")
    for i in range(16):
        await hubc.publish("t", b"x"); await hubc.flush(); await asyncio.sleep(0.3)
    await hubc.close(); await leafc.close()
asyncio.run(traffic())
S.note("pause both directions (link silently stalls)")
S.note(S.ctl(14703, "pause both"))
time.sleep(9)
S.note(S.ctl(14703, "resume"))
S.note("resumed; observe reconnect 5 s")
time.sleep(5)
S.note("done")
S.finish(logs=("hub", "leaf"))
