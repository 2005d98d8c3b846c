"""g. Wrong credentials: hub requires user a / password b, leaf uses password wrong."""
import time
from harness import Scenario

S = Scenario("g_badauth", max_seconds=40)
S.server("hub", """
server_name: hub
listen: 127.0.0.1:14700
debug: true
trace: true
leafnodes {
  listen: 127.0.0.1:14701
  advertise: "127.0.0.1:14702"
  authorization { user: a, password: b }
}
""", 14700)
S.proxy("proxy", 14702, 14701, 14703)
S.server("leaf", """
server_name: leaf
listen: 127.0.0.1:14704
debug: true
trace: true
leafnodes { remotes [ { url: "nats-leaf://a:wrong@127.0.0.1:14702" } ] }
""", 14704)
S.note("leaf up with wrong password; observing 7 s")
time.sleep(7)
S.note("now: leaf with NO credentials at all (restart leaf), observe 4 s")
S.stop("leaf")
S.ctl(14703, "mark leaf restarted without credentials")
S.server("leaf", """
server_name: leaf
listen: 127.0.0.1:14704
debug: true
trace: true
leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:14702" } ] }
""", 14704)
time.sleep(4)
S.note("done")
S.finish(logs=("hub", "leaf"))
