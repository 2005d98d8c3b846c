"""c. Request/reply across the link, and no-responders behaviour."""
import asyncio, time, socket, json
import nats
from nats.errors import NoRespondersError, TimeoutError as NTimeout
from harness import Scenario

S = Scenario("c_reqreply", max_seconds=60)
S.server("hub", """
server_name: hub
listen: 127.0.0.1:14700
debug: true
trace: true
leafnodes { listen: 127.0.0.1:14701 }
""", 14700)
S.proxy("proxy", 14702, 14701, 14703)
S.server("leaf", """
server_name: leaf
listen: 127.0.0.1:14704
debug: true
trace: true
leafnodes { remotes [ { url: "nats-leaf://127.0.0.1:14702" } ] }
""", 14704)
time.sleep(1.5)

def mark(t):
    S.ctl(14703, "mark " + t); S.note(t)

def raw_request(port, subj, wait=1.0, label=""):
    """Raw-socket client: CONNECT with headers+no_responders, SUB inbox, PUB with reply; log every byte."""
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.recv(4096)  # INFO
    t0 = time.monotonic()
    s.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"protocol":1,"lang":"raw","version":"0"}\r\n'
              b'SUB _INBOX.raw.1 1\r\nPUB ' + subj.encode() + b' _INBOX.raw.1 4\r\nping\r\nPING\r\n')
    buf = b""
    s.settimeout(0.05)
    while time.monotonic() - t0 < wait:
        try:
            d = s.recv(4096)
            if not d:
                break
            buf += d
            S.note(f"raw client {label} +{(time.monotonic()-t0)*1000:.1f}ms recv {d!r}")
        except socket.timeout:
            pass
    s.close()
    return buf

async def main():
    leafc = await nats.connect("nats://127.0.0.1:14704", name="leafclient")
    hubc = await nats.connect("nats://127.0.0.1:14700", name="hubclient")

    async def responder(m):
        S.note(f"leaf responder got {m.subject} reply={m.reply} data={m.data!r} hdrs={m.headers}")
        await m.respond(b"pong:" + m.data)
    mark("leaf client SUB svc.echo (responder)")
    await leafc.subscribe("svc.echo", cb=responder); await leafc.flush(); await asyncio.sleep(0.3)

    mark("hub client request svc.echo 'hi' (nats-py new-style muxed inbox)")
    t = time.monotonic()
    r = await hubc.request("svc.echo", b"hi", timeout=2)
    S.note(f"hub client got reply {r.data!r} subj={r.subject} in {(time.monotonic()-t)*1000:.1f}ms")
    await asyncio.sleep(0.3)
    mark("hub client 2nd request svc.echo 'hi2' (inbox interest already propagated)")
    t = time.monotonic()
    r = await hubc.request("svc.echo", b"hi2", timeout=2)
    S.note(f"hub client got reply {r.data!r} in {(time.monotonic()-t)*1000:.1f}ms")
    await asyncio.sleep(0.3)
    mark("hub client request svc.echo with headers")
    r = await hubc.request("svc.echo", b"hh", timeout=2, headers={"X-Req": "1"})
    S.note(f"hub client got reply {r.data!r}")
    await asyncio.sleep(0.3)

    async def hubresp(m):
        await m.respond(b"hub-answer")
    mark("hub client SUB svc.hub (responder on hub); leaf client requests it")
    await hubc.subscribe("svc.hub", cb=hubresp); await hubc.flush(); await asyncio.sleep(0.3)
    r = await leafc.request("svc.hub", b"q", timeout=2)
    S.note(f"leaf client got reply {r.data!r}")
    await asyncio.sleep(0.3)

    mark("hub client request nobody.home (no interest on either side) via nats-py")
    t = time.monotonic()
    try:
        await hubc.request("nobody.home", b"x", timeout=2)
    except NoRespondersError:
        S.note(f"hub client: NoRespondersError after {(time.monotonic()-t)*1000:.1f}ms")
    except NTimeout:
        S.note(f"hub client: timeout after {(time.monotonic()-t)*1000:.1f}ms")
    await asyncio.sleep(0.3)
    mark("leaf client request nobody.home via nats-py")
    t = time.monotonic()
    try:
        await leafc.request("nobody.home", b"x", timeout=2)
    except NoRespondersError:
        S.note(f"leaf client: NoRespondersError after {(time.monotonic()-t)*1000:.1f}ms")
    except NTimeout:
        S.note(f"leaf client: timeout after {(time.monotonic()-t)*1000:.1f}ms")
    await asyncio.sleep(0.3)

    mark("RAW hub client request nobody.home (exact bytes)")
    await asyncio.get_event_loop().run_in_executor(None, raw_request, 14700, "nobody.home", 0.5, "hub")
    await asyncio.sleep(0.3)
    mark("RAW hub client request svc.echo (exact bytes, responder on leaf)")
    await asyncio.get_event_loop().run_in_executor(None, raw_request, 14700, "svc.echo", 0.5, "hub")
    await asyncio.sleep(0.3)

    # Stale interest: leaf's LS- is held back by pausing leaf->hub, so hub still thinks leaf has interest.
    mark("leaf client SUB svc.gone; then pause L>H; leaf UNSUB svc.gone (LS- held in proxy)")
    sg = await leafc.subscribe("svc.gone"); await leafc.flush(); await asyncio.sleep(0.3)
    S.note(S.ctl(14703, "pause l2h"))
    await sg.unsubscribe(); await leafc.flush(); await asyncio.sleep(0.3)
    mark("RAW hub client request svc.gone while hub still has stale leaf interest")
    await asyncio.get_event_loop().run_in_executor(None, raw_request, 14700, "svc.gone", 1.5, "hub-stale")
    S.note(S.ctl(14703, "resume"))
    await asyncio.sleep(0.5)
    await leafc.close(); await hubc.close()

asyncio.run(asyncio.wait_for(main(), 40))
S.note("done")
S.finish(logs=("hub", "leaf"))
