"""Tiny harness used by the scenario scripts (scen_*.py).

Starts nats-server processes (each wrapped in `timeout`), the logging proxy,
and collects everything under /work/notes/leafnode/<scenario>/ plus a combined
/work/notes/leafnode/<scenario>.txt transcript.
Loopback only, ports 14700-14799, every process bounded in time and killed at end.
"""
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

NOTES = "/work/notes/leafnode"
PROXY = os.path.join(NOTES, "leafproxy.py")
PY = sys.executable


def wait_port(port, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} not up")


class Scenario:
    def __init__(self, name, max_seconds=120):
        assert all(c.isalnum() or c in "-_" for c in name)
        self.name = name
        self.dir = os.path.join(NOTES, name)
        if os.path.isdir(self.dir):
            shutil.rmtree(self.dir)
        os.makedirs(self.dir)
        self.procs = {}
        self.max = max_seconds
        self.t0 = time.time()
        self.notes = []

    def conf(self, label, text):
        p = os.path.join(self.dir, f"{label}.conf")
        with open(p, "w") as f:
            f.write(text.strip() + "\n")
        return p

    def server(self, label, conf_text, client_port, wait=True):
        conf = self.conf(label, conf_text)
        log = os.path.join(self.dir, f"{label}.log")
        out = open(log, "a")
        p = subprocess.Popen(["timeout", "-s", "KILL", str(self.max), "nats-server", "-c", conf],
                             stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[label] = p
        if wait:
            wait_port(client_port)
        return p

    def proxy(self, label, listen, upstream, control, extra=()):
        log = os.path.join(self.dir, f"{label}.txt")
        p = subprocess.Popen([PY, PROXY, "--listen", str(listen), "--upstream", str(upstream),
                              "--control", str(control), "--log", log,
                              "--duration", str(self.max)] + list(extra), start_new_session=True)
        self.procs[label] = p
        wait_port(control)
        return p

    def ctl(self, port, cmd):
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall((cmd + "\n").encode())
            return s.recv(4096).decode().strip()

    def stop(self, label, sig=signal.SIGTERM):
        p = self.procs.pop(label, None)
        if p is None:
            return
        try:
            os.killpg(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(5)

    def note(self, text):
        line = f"+{time.time()-self.t0:08.3f} {text}"
        print(line, flush=True)
        self.notes.append(line)

    def finish(self, proxies=("proxy",), logs=()):
        for label in list(self.procs):
            self.stop(label)
        parts = [f"# Scenario {self.name}\n", "## Harness notes (client-side observations)\n"]
        parts += [n + "\n" for n in self.notes]
        for px in proxies:
            p = os.path.join(self.dir, f"{px}.txt")
            if os.path.exists(p):
                parts.append(f"\n## Wire transcript {px} (L>H = leaf->hub, H>L = hub->leaf)\n")
                parts.append(open(p).read())
        for lg in logs:
            p = os.path.join(self.dir, f"{lg}.log")
            if os.path.exists(p):
                parts.append(f"\n## Server log {lg} (leaf/connection related lines, full log in {self.name}/{lg}.log)\n")
                for line in open(p):
                    if any(k in line for k in ("eaf", "LDS", "Loop", "oop", "uthoriz", "ERR", "JetStream", "Domain", "deny", "Deny", "[ERR]", "[WRN]")) and "[TRC]" not in line:
                        parts.append(line)
        with open(os.path.join(NOTES, f"{self.name}.txt"), "w") as f:
            f.writelines(parts)
