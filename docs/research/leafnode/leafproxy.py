#!/usr/bin/env python3
"""leafproxy.py - logging / fault-injecting TCP proxy for NATS leafnode links.

Sits between a leaf nats-server (remote url nats-leaf://127.0.0.1:<listen>) and a
hub nats-server (leafnodes { listen: 127.0.0.1:<upstream> }) and logs every byte
in both directions as escaped text with timestamps.

Usage:
  python3 leafproxy.py --listen 14710 --upstream 14711 [--log FILE] \
      [--control 14712] [--duration 60] [--raw] [--max-line N]

Log format (one line per protocol line / chunk piece):
  2024-..T..Z +0001.234 c1 L>H 'CONNECT {...}\\r\\n'
  2024-..T..Z +0001.240 c1 H>L 'INFO {...}\\r\\n'
    c<N>   connection number (one per accepted leaf TCP connection)
    L>H    bytes written by the leaf (downstream) toward the hub (upstream)
    H>L    bytes written by the hub toward the leaf
    EVT    proxy events (accept, upstream connect, close, pause, drop...)
  Payload bytes are escaped with Python's repr rules (\\r \\n \\xNN), so the
  logged text between the quotes is exactly the bytes on the wire.
  A read chunk is split after every "\\n" so each protocol line gets its own log
  line; a piece that does not end the chunk on "\\n" is marked with a trailing
  " ~" (meaning: the next bytes of the same direction continue this line).
  With --max-line N, pieces longer than N bytes are cut and marked
  "...[+K bytes not logged]" (for bulk payload tests).

Tip: make the hub advertise the proxy (leafnodes { advertise: "127.0.0.1:<listen>" }),
otherwise the leaf learns the hub's real leafnode port from INFO.leafnode_urls and
alternates between the proxy and the hub directly on reconnect (bypassing the proxy).

Control (line based text on --control port, e.g. `echo pause | nc 127.0.0.1 14712`,
or python: socket.create_connection(...).sendall(b"drop\\n")):
  status            -> current state and connections
  pause [l2h|h2l|both]  stop forwarding (bytes are buffered by TCP; nothing lost)
  resume            resume forwarding in both directions
  drop              close all current connections (both sockets) immediately
  refuse on|off     when on, new leaf connections are accepted then closed at once
                    (simulates an unreachable hub while keeping the port open)
  blackhole on|off  when on, bytes are read but silently discarded (both ways)
  delay <ms>        add latency to every forwarded chunk
  mark <text>       write a marker line into the log (for scenario scripts)
  quit              stop the proxy
Each command is answered with one line "OK ..." or "ERR ...".

The proxy always stops after --duration seconds (default 600) so it can never
outlive a test run.
"""
import argparse
import asyncio
import datetime
import sys
import time

T0 = time.monotonic()


class Proxy:
    def __init__(self, args):
        self.args = args
        self.up_host = args.upstream_host
        self.up_port = args.upstream
        self.logf = open(args.log, "a", buffering=1) if args.log else sys.stdout
        self.conns = {}  # id -> (leaf_writer, hub_writer)
        self.next_id = 0
        self.paused = {"l2h": asyncio.Event(), "h2l": asyncio.Event()}
        for e in self.paused.values():
            e.set()  # set == flowing
        self.refuse = False
        self.blackhole = False
        self.delay = 0.0
        self.stop = asyncio.Event()

    # ---------------------------------------------------------------- logging
    def log(self, cid, direction, text):
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]
        rel = time.monotonic() - T0
        self.logf.write(f"{now} +{rel:09.3f} {cid:>3} {direction} {text}\n")

    def log_bytes(self, cid, direction, data):
        if self.args.raw:
            self.log(cid, direction, repr(bytes(data))[1:])
            return
        start = 0
        n = len(data)
        while start < n:
            idx = data.find(b"\n", start)
            end = n if idx < 0 else idx + 1
            piece = bytes(data[start:end])
            cont = "" if piece.endswith(b"\n") else " ~"
            extra = ""
            if self.args.max_line and len(piece) > self.args.max_line:
                extra = f" ...[+{len(piece) - self.args.max_line} bytes not logged]"
                piece = piece[: self.args.max_line]
            self.log(cid, direction, repr(piece)[1:] + extra + cont)
            start = end

    # ------------------------------------------------------------- forwarding
    async def pipe(self, cid, reader, writer, direction, key):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    self.log(cid, "EVT", f"{direction} EOF")
                    break
                self.log_bytes(cid, direction, data)
                if self.blackhole:
                    self.log(cid, "EVT", f"{direction} blackholed {len(data)} bytes")
                    continue
                await self.paused[key].wait()
                if self.delay:
                    await asyncio.sleep(self.delay)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError) as e:
            self.log(cid, "EVT", f"{direction} error {e!r}")
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def handle_leaf(self, lreader, lwriter):
        self.next_id += 1
        cid = f"c{self.next_id}"
        peer = lwriter.get_extra_info("peername")
        self.log(cid, "EVT", f"accept from {peer}")
        if self.refuse:
            self.log(cid, "EVT", "refuse mode: closing immediately")
            lwriter.close()
            return
        try:
            hreader, hwriter = await asyncio.open_connection(self.up_host, self.up_port)
        except OSError as e:
            self.log(cid, "EVT", f"upstream connect failed {e!r}; closing leaf side")
            lwriter.close()
            return
        self.log(cid, "EVT", f"upstream connected {self.up_host}:{self.up_port}")
        self.conns[cid] = (lwriter, hwriter)
        t1 = asyncio.create_task(self.pipe(cid, lreader, hwriter, "L>H", "l2h"))
        t2 = asyncio.create_task(self.pipe(cid, hreader, lwriter, "H>L", "h2l"))
        await asyncio.wait([t1, t2], return_when=asyncio.FIRST_COMPLETED)
        for t in (t1, t2):
            t.cancel()
        for w in (lwriter, hwriter):
            try:
                w.close()
            except Exception:
                pass
        self.conns.pop(cid, None)
        self.log(cid, "EVT", "closed")

    # ---------------------------------------------------------------- control
    async def handle_control(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                resp = self.command(line.decode(errors="replace").strip())
                writer.write((resp + "\n").encode())
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def command(self, cmd):
        parts = cmd.split(None, 1)
        if not parts:
            return "ERR empty"
        verb, rest = parts[0].lower(), (parts[1] if len(parts) > 1 else "")
        self.log("--", "CTL", repr(cmd))
        if verb == "status":
            p = {k: (not e.is_set()) for k, e in self.paused.items()}
            return (f"OK conns={sorted(self.conns)} paused={p} refuse={self.refuse} "
                    f"blackhole={self.blackhole} delay_ms={int(self.delay*1000)}")
        if verb == "pause":
            which = rest or "both"
            keys = ["l2h", "h2l"] if which == "both" else [which]
            for k in keys:
                if k not in self.paused:
                    return "ERR pause l2h|h2l|both"
                self.paused[k].clear()
            return f"OK paused {keys}"
        if verb == "resume":
            for e in self.paused.values():
                e.set()
            return "OK resumed"
        if verb == "drop":
            n = 0
            for cid, ws in list(self.conns.items()):
                for w in ws:
                    try:
                        w.transport.abort()  # RST-like hard close
                    except Exception:
                        pass
                self.log(cid, "EVT", "dropped by command")
                n += 1
            return f"OK dropped {n}"
        if verb in ("refuse", "blackhole"):
            val = rest.lower() in ("on", "1", "true", "yes")
            setattr(self, verb, val)
            return f"OK {verb}={val}"
        if verb == "delay":
            try:
                self.delay = float(rest) / 1000.0
            except ValueError:
                return "ERR delay <ms>"
            return f"OK delay_ms={rest}"
        if verb == "mark":
            self.log("--", "MRK", rest)
            return "OK"
        if verb == "quit":
            self.stop.set()
            return "OK bye"
        return "ERR unknown command"

    async def run(self):
        srv = await asyncio.start_server(self.handle_leaf, self.args.listen_host, self.args.listen)
        self.log("--", "EVT", f"listening {self.args.listen_host}:{self.args.listen} -> "
                 f"{self.up_host}:{self.up_port}")
        ctl = None
        if self.args.control:
            ctl = await asyncio.start_server(self.handle_control, "127.0.0.1", self.args.control)
            self.log("--", "EVT", f"control on 127.0.0.1:{self.args.control}")
        try:
            await asyncio.wait_for(self.stop.wait(), timeout=self.args.duration)
        except asyncio.TimeoutError:
            self.log("--", "EVT", f"duration {self.args.duration}s elapsed, exiting")
        srv.close()
        if ctl:
            ctl.close()
        for ws in self.conns.values():
            for w in ws:
                try:
                    w.transport.abort()
                except Exception:
                    pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--listen", type=int, required=True, help="port the leaf connects to")
    ap.add_argument("--listen-host", default="127.0.0.1")
    ap.add_argument("--upstream", type=int, required=True, help="hub leafnode port")
    ap.add_argument("--upstream-host", default="127.0.0.1")
    ap.add_argument("--control", type=int, default=0, help="control port (0 = none)")
    ap.add_argument("--log", default="", help="log file (default stdout)")
    ap.add_argument("--duration", type=float, default=600, help="hard stop after N seconds")
    ap.add_argument("--max-line", type=int, default=0,
                    help="log at most N bytes of each line piece (0 = everything)")
    ap.add_argument("--raw", action="store_true", help="log whole chunks without line splitting")
    args = ap.parse_args()
    asyncio.run(Proxy(args).run())


if __name__ == "__main__":
    main()
