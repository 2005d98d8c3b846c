"""e. Reconnect: kill the hub (SIGKILL), observe leaf retries, restart, observe resent LS+."""
import asyncio, time, signal
import nats
from harness import Scenario

S = Scenario("e_reconnect", max_seconds=90)
HUB = """
server_name: hub
listen: 127.0.0.1:14700
debug: true
trace: true
leafnodes { listen: 127.0.0.1:14701, advertise: "127.0.0.1:14702" }
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
    try:
        S.ctl(14703, "mark " + t)
    except OSError:
        pass
    S.note(t)

async def main():
    leafc = await nats.connect("nats://127.0.0.1:14704", name="leafclient")
    hubc = await nats.connect("nats://127.0.0.1:14700", name="hubclient", max_reconnect_attempts=-1,
                              reconnect_time_wait=0.5)
    await leafc.subscribe("foo"); await leafc.subscribe("bar.*")
    await leafc.subscribe("q", queue="workers"); await leafc.subscribe("q", queue="workers")
    await hubc.subscribe("hub.>")
    await leafc.flush(); await hubc.flush(); await asyncio.sleep(0.5)

    mark("PHASE 2: SIGKILL hub (proxy still listening -> proxy accepts leaf then fails upstream)")
    S.stop("hub", signal.SIGKILL)
    await asyncio.sleep(4.5)
    mark("PHASE 3: stop proxy too (leaf gets connection refused)")
    S.stop("proxy")
    await asyncio.sleep(6.5)
    S.note("PHASE 4: restart hub, then proxy")
    S.server("hub", HUB, 14700)
    S.proxy("proxy", 14702, 14701, 14703)
    mark("PHASE 4: hub and proxy restarted")
    await asyncio.sleep(4)
    S.note(f"hub client connected={hubc.is_connected}")
    await leafc.close(); await hubc.close()

asyncio.run(asyncio.wait_for(main(), 60))
S.note("done")
S.finish(logs=("hub", "leaf"))
