"""h. JetStream domains across a leafnode link; sourcing + mirroring a leaf stream on the hub."""
import asyncio, time, json, shutil, signal
import nats
from harness import Scenario

STORE = "/tmp/lnjs_h"
shutil.rmtree(STORE, ignore_errors=True)
S = Scenario("h_jsdomains", max_seconds=120)
HUB = f"""
server_name: hub
listen: 127.0.0.1:14700
debug: true
trace: true
jetstream {{ domain: hub, store_dir: "{STORE}/hub" }}
leafnodes {{ listen: 127.0.0.1:14701, advertise: "127.0.0.1:14702" }}
"""
LEAF = f"""
server_name: leaf
listen: 127.0.0.1:14704
debug: true
trace: true
jetstream {{ domain: edge, store_dir: "{STORE}/leaf" }}
leafnodes {{ remotes [ {{ url: "nats-leaf://127.0.0.1:14702" }} ] }}
"""
S.server("hub", HUB, 14700)
S.proxy("proxy", 14702, 14701, 14703, extra=("--max-line", "400"))
S.server("leaf", LEAF, 14704)
time.sleep(2)

def mark(t):
    S.ctl(14703, "mark " + t); S.note(t)

async def req(nc, who, subj, body=b"", timeout=3):
    try:
        r = await nc.request(subj, body if isinstance(body, bytes) else json.dumps(body).encode(), timeout=timeout)
        S.note(f"  {who} {subj} -> {r.data.decode()[:700]}")
        return json.loads(r.data) if r.data else None
    except Exception as e:
        S.note(f"  {who} {subj} -> EXC {type(e).__name__} {e}")

async def main():
    hubc = await nats.connect("nats://127.0.0.1:14700", name="hubclient")
    leafc = await nats.connect("nats://127.0.0.1:14704", name="leafclient",
                               max_reconnect_attempts=-1, reconnect_time_wait=0.5)
    mark("hub client: $JS.edge.API.INFO (should be answered by the LEAF's JetStream, domain edge)")
    await req(hubc, "hub", "$JS.edge.API.INFO"); await asyncio.sleep(0.3)
    mark("hub client: $JS.API.INFO (local hub JetStream, must not cross the link)")
    await req(hubc, "hub", "$JS.API.INFO"); await asyncio.sleep(0.3)
    mark("hub client: $JS.hub.API.INFO (hub's own domain prefix, local)")
    await req(hubc, "hub", "$JS.hub.API.INFO"); await asyncio.sleep(0.3)
    mark("leaf client: $JS.API.INFO (local leaf) and $JS.hub.API.INFO (crosses to hub)")
    await req(leafc, "leaf", "$JS.API.INFO"); await req(leafc, "leaf", "$JS.hub.API.INFO"); await asyncio.sleep(0.3)
    mark("hub client: $JS.edge.API.STREAM.CREATE.S")
    await req(hubc, "hub", "$JS.edge.API.STREAM.CREATE.S",
              {"name": "S", "subjects": ["s.>"], "storage": "file", "num_replicas": 1}); await asyncio.sleep(0.3)
    mark("leaf client: publish s.1, s.2 (with header), s.3 into S")
    await req(leafc, "leaf", "s.1", b"one")
    r = await leafc.request("s.2", b"two", headers={"X-Test": "hdr"}, timeout=2); S.note(f"  leaf s.2 -> {r.data.decode()}")
    await req(leafc, "leaf", "s.3", b"three"); await asyncio.sleep(0.3)

    mark("hub client: create AGG on hub sourcing S from domain edge (external api $JS.edge.API)")
    await req(hubc, "hub", "$JS.API.STREAM.CREATE.AGG",
              {"name": "AGG", "storage": "file", "num_replicas": 1,
               "sources": [{"name": "S", "external": {"api": "$JS.edge.API", "deliver": ""}}]})
    await asyncio.sleep(3.5)
    mark("leaf client: publish s.4, s.5 while source is active")
    await req(leafc, "leaf", "s.4", b"four"); await req(leafc, "leaf", "s.5", b"five")
    await asyncio.sleep(1.5)
    mark("hub client: create MIR on hub mirroring S from domain edge")
    await req(hubc, "hub", "$JS.API.STREAM.CREATE.MIR",
              {"name": "MIR", "storage": "file", "num_replicas": 1,
               "mirror": {"name": "S", "external": {"api": "$JS.edge.API", "deliver": ""}}})
    await asyncio.sleep(3)
    mark("leaf client: bulk publish 160 x 8KB into s.bulk (to trigger flow control, >1MB pending)")
    payload = b"x" * 8192
    for i in range(160):
        await leafc.publish("s.bulk", payload)
    await leafc.flush(); await asyncio.sleep(4)
    mark("hub: stream info AGG and MIR")
    await req(hubc, "hub", "$JS.API.STREAM.INFO.AGG"); await req(hubc, "hub", "$JS.API.STREAM.INFO.MIR")
    mark("leaf: consumer list of S")
    await req(leafc, "leaf", "$JS.API.CONSUMER.LIST.S")

    mark("RESTART LEAF: SIGTERM leaf server")
    S.stop("leaf")
    await asyncio.sleep(4)
    mark("hub: stream info AGG while leaf is down")
    await req(hubc, "hub", "$JS.API.STREAM.INFO.AGG")
    S.server("leaf", LEAF, 14704)
    mark("leaf restarted (same store); waiting 8 s")
    await asyncio.sleep(8)
    mark("leaf client: publish s.after after restart")
    await req(leafc, "leaf", "s.after", b"after-restart"); await asyncio.sleep(2)
    mark("hub: final stream info AGG and MIR")
    await req(hubc, "hub", "$JS.API.STREAM.INFO.AGG"); await req(hubc, "hub", "$JS.API.STREAM.INFO.MIR")
    mark("hub: get AGG seq 2 and MIR seq 2 (stored headers: Nats-Stream-Source on the sourced copy)")
    await req(hubc, "hub", "$JS.API.STREAM.MSG.GET.AGG", {"seq": 2})
    await req(hubc, "hub", "$JS.API.STREAM.MSG.GET.MIR", {"seq": 2})
    await req(hubc, "hub", "$JS.API.STREAM.MSG.GET.AGG", {"seq": 166})
    await hubc.close(); await leafc.close()

asyncio.run(asyncio.wait_for(main(), 90))
S.note("done")
S.finish(logs=("hub", "leaf"))
shutil.rmtree(STORE, ignore_errors=True)
