"""i. URL credentials (nats-leaf://user:pass@host:port) + account binding on both sides,
plus remote deny_imports / deny_exports (-> CONNECT deny_pub, INFO import/export)."""
import asyncio, time
import nats
from harness import Scenario

S = Scenario("i_accounts", max_seconds=50)
S.server("hub", """
server_name: hub
listen: 127.0.0.1:14700
debug: true
trace: true
accounts {
  HUBACC { users [ { user: hubc, password: hubc } ] }
  OTHER  { users [ { user: other, password: other } ] }
}
leafnodes {
  listen: 127.0.0.1:14701
  advertise: "127.0.0.1:14702"
  authorization {
    users [ { user: leafu, password: leafp, account: HUBACC } ]
  }
}
""", 14700)
S.proxy("proxy", 14702, 14701, 14703)
S.server("leaf", """
server_name: leaf
listen: 127.0.0.1:14704
debug: true
trace: true
accounts {
  EDGE { users [ { user: e, password: e } ] }
}
leafnodes {
  remotes [ {
    url: "nats-leaf://leafu:leafp@127.0.0.1:14702"
    account: EDGE
    deny_imports: ["secret.>"]
    deny_exports: ["private.>"]
  } ]
}
""", 14704)
time.sleep(1.5)

def mark(t):
    S.ctl(14703, "mark " + t); S.note(t)

async def main():
    leafc = await nats.connect("nats://e:e@127.0.0.1:14704")
    hubc = await nats.connect("nats://hubc:hubc@127.0.0.1:14700")
    other = await nats.connect("nats://other:other@127.0.0.1:14700")
    def cb(tag):
        async def f(m):
            S.note(f"{tag} got {m.subject} {m.data!r}")
        return f
    mark("leaf(EDGE) SUB edge.in and SUB secret.x (secret.> is deny_imports on leaf)")
    await leafc.subscribe("edge.in", cb=cb("leaf:edge.in"))
    await leafc.subscribe("secret.x", cb=cb("leaf:secret.x"))
    await leafc.flush(); await asyncio.sleep(0.3)
    mark("hub(HUBACC) SUB up.> and private.x; hub(OTHER) SUB up.>")
    await hubc.subscribe("up.>", cb=cb("hub(HUBACC):up.>"))
    await hubc.subscribe("private.x", cb=cb("hub(HUBACC):private.x"))
    await other.subscribe("up.>", cb=cb("hub(OTHER):up.>"))
    await hubc.flush(); await other.flush(); await asyncio.sleep(0.3)
    mark("hub(HUBACC) PUB edge.in; hub(OTHER) PUB edge.in; hub(HUBACC) PUB secret.x")
    await hubc.publish("edge.in", b"from-HUBACC"); await other.publish("edge.in", b"from-OTHER")
    await hubc.publish("secret.x", b"denied-import")
    await hubc.flush(); await other.flush(); await asyncio.sleep(0.3)
    mark("leaf(EDGE) PUB up.1 and private.x (private.> is deny_exports on leaf)")
    await leafc.publish("up.1", b"from-EDGE"); await leafc.publish("private.x", b"denied-export")
    await leafc.flush(); await asyncio.sleep(0.5)
    for c in (leafc, hubc, other):
        await c.close()

asyncio.run(asyncio.wait_for(main(), 30))
S.note("done")
S.finish(logs=("hub", "leaf"))
