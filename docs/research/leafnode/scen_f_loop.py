"""f. Loop: A solicits B (through proxy AB) and B solicits A (through proxy BA)."""
import time
from harness import Scenario

S = Scenario("f_loop", max_seconds=75)
S.proxy("proxyAB", 14702, 14721, 14703)   # A's remote -> B's leafnode port
S.proxy("proxyBA", 14712, 14711, 14713)   # B's remote -> A's leafnode port
S.note("proxies up: A->B via 14702 (log proxyAB), B->A via 14712 (log proxyBA)")
S.server("A", """
server_name: A
listen: 127.0.0.1:14710
debug: true
trace: true
leafnodes {
  listen: 127.0.0.1:14711
  advertise: "127.0.0.1:14712"
  remotes [ { url: "nats-leaf://127.0.0.1:14702" } ]
}
""", 14710)
S.note("A up")
time.sleep(2)
S.server("B", """
server_name: B
listen: 127.0.0.1:14720
debug: true
trace: true
leafnodes {
  listen: 127.0.0.1:14721
  advertise: "127.0.0.1:14702"
  remotes [ { url: "nats-leaf://127.0.0.1:14712" } ]
}
""", 14720)
S.note("B up; observing 65 s (loop delay is 30 s)")
time.sleep(65)
S.note("done")
S.finish(proxies=("proxyAB", "proxyBA"), logs=("A", "B"))
