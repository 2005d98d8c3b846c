"""j. Misc handshake cases:
 1. hub is a 2-node cluster: leaf connected to hub1; hub2 joins -> async INFO with new leafnode_urls.
 2. leaf pointed at the hub's CLIENT port (wrong port).
 3. leaf with the same cluster name as the hub cluster."""
import time
from harness import Scenario

S = Scenario("j_misc", max_seconds=70)
S.server("hub1", """
server_name: hub1
listen: 127.0.0.1:14700
debug: true
cluster { name: hubc, listen: 127.0.0.1:14705, routes: ["nats-route://127.0.0.1:14708"] }
leafnodes { listen: 127.0.0.1:14701, advertise: "127.0.0.1:14702" }
""", 14700)
S.proxy("proxy", 14702, 14701, 14703)
S.server("leaf", """
server_name: leaf
listen: 127.0.0.1:14704
debug: true
leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:14702" } ] }
""", 14704)
time.sleep(2)
S.ctl(14703, "mark PHASE 1: starting hub2 (joins cluster hubc)")
S.note("PHASE 1: start hub2")
S.server("hub2", """
server_name: hub2
listen: 127.0.0.1:14706
debug: true
cluster { name: hubc, listen: 127.0.0.1:14708, routes: ["nats-route://127.0.0.1:14705"] }
leafnodes { listen: 127.0.0.1:14707 }
""", 14706)
time.sleep(3)
S.ctl(14703, "mark PHASE 1b: stopping hub2")
S.stop("hub2")
time.sleep(2)
S.stop("leaf")

S.note("PHASE 2: leaf_wp remote -> proxy_wp -> hub1 CLIENT port 14700")
S.proxy("proxy_wp", 14712, 14700, 14713)
S.server("leaf_wp", """
server_name: leaf_wp
listen: 127.0.0.1:14709
debug: true
leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:14712" } ] }
""", 14709)
time.sleep(3.5)
S.stop("leaf_wp")

S.note("PHASE 3: leaf_cn with cluster name hubc (same as hub cluster) -> proxy_cn -> hub1 leaf port")
S.proxy("proxy_cn", 14715, 14701, 14716)
S.server("leaf_cn", """
server_name: leaf_cn
listen: 127.0.0.1:14717
debug: true
cluster { name: hubc, listen: 127.0.0.1:14714 }
leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:14715" } ] }
""", 14717)
time.sleep(3.5)
S.note("done")
S.finish(proxies=("proxy", "proxy_wp", "proxy_cn"), logs=("hub1", "leaf", "leaf_wp", "leaf_cn"))
