"""a. Plain link: hub + leaf through the proxy, idle ~5 s after link forms."""
import time
from harness import Scenario

S = Scenario("a_plain", max_seconds=40)
S.server("hub", """
server_name: hub
listen: 127.0.0.1:14700
debug: true
trace: true
leafnodes { listen: 127.0.0.1:14701 }
""", 14700)
S.proxy("proxy", 14702, 14701, 14703)
S.note("hub up; proxy up; starting leaf")
S.server("leaf", """
server_name: leaf
listen: 127.0.0.1:14704
debug: true
trace: true
leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:14702" } ] }
""", 14704)
S.note("leaf up; idling 8 s")
time.sleep(8)
S.note("done")
S.finish(logs=("hub", "leaf"))
