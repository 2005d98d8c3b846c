"""The store-and-forward walk-through (run by Tools/demo-store-and-forward; see README).

Every server listens on 127.0.0.1 on ports the kernel picks as free; everything lives in a
temporary directory that is removed at the end, servers stopped, whatever happens."""

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import nats


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process whose log goes to a file we can wait on."""

    def __init__(self, name, command, directory):
        self.name = name
        self.log_path = os.path.join(directory, name + ".log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(command, cwd=directory, stdout=self.log, stderr=subprocess.STDOUT)

    def text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_for(self, needle, count=1, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.text().count(needle) >= count:
                return
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited ({self.process.returncode}):\n{self.text()[-3000:]}")
            time.sleep(0.05)
        raise SystemExit(f"{self.name}: no \"{needle}\" (x{count}) within {timeout} s:\n{self.text()[-3000:]}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def step(text):
    print(f"demo-store-and-forward: {text}", flush=True)


async def create_stream(url):
    nc = await nats.connect(url)
    await nc.jetstream().add_stream(name="TEL", subjects=["telemetry.>"])
    await nc.close()


async def publish(url, count):
    nc = await nats.connect(url)
    for index in range(1, count + 1):
        await nc.publish("telemetry.t1", str(index).encode())
    await nc.flush()
    await nc.close()


async def hub_stream(url, expected, timeout):
    """Waits until the hub's stream holds `expected` messages; returns their payloads in order."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    deadline = time.monotonic() + timeout
    while True:
        messages = (await js.stream_info("TEL")).state.messages
        if messages >= expected or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    payloads = []
    if messages:
        sub = await js.pull_subscribe("telemetry.>", stream="TEL")
        while len(payloads) < messages:
            for message in await sub.fetch(min(1000, messages - len(payloads)), timeout=5):
                payloads.append(int(message.data))
                await message.ack()
    await nc.close()
    return payloads


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--messages", type=int, default=10000)
    options = parser.parse_args()
    binary = os.path.abspath(options.binary)
    directory = tempfile.mkdtemp(prefix="outpost-demo-")
    servers = []
    try:
        hub_port, leaf_port, edge_port, monitor_port = free_port(), free_port(), free_port(), free_port()
        with open(os.path.join(directory, "hub.conf"), "w") as f:
            f.write(f'port: {hub_port}\nleafnodes {{ listen: "127.0.0.1:{leaf_port}" }}\n'
                    f'jetstream {{ store_dir: "{directory}/hub" }}\n')
        with open(os.path.join(directory, "edge.conf"), "w") as f:
            f.write(f'port: {edge_port}\nhttp_port: {monitor_port}\n'
                    f'leafnodes {{ remotes [ {{ url: "nats-leaf://127.0.0.1:{leaf_port}", '
                    f'store_and_forward {{ subjects: ["telemetry.>"] }} }} ] }}\n')
        hub_url, edge_url = f"nats://127.0.0.1:{hub_port}", f"nats://127.0.0.1:{edge_port}"
        hub_command = ["nats-server", "-c", "hub.conf", "-a", "127.0.0.1"]

        step(f"hub (nats-server) on {hub_url}, leafnode port {leaf_port}; stream TEL on telemetry.>")
        hub = Server("hub", hub_command, directory)
        servers.append(hub)
        hub.wait_for("Server is ready")
        asyncio.run(create_stream(hub_url))

        step(f"edge (outpost) on {edge_url}, buffering telemetry.> for the uplink")
        edge = Server("edge", [binary, "-c", "edge.conf", "-a", "127.0.0.1"], directory)
        servers.append(edge)
        edge.wait_for("Server is ready")
        edge.wait_for("Leafnode connection created")

        step("the uplink goes away (hub stopped)")
        hub.stop()
        edge.wait_for("Leafnode connection closed")

        step(f"a sensor publishes {options.messages} messages to the edge during the outage")
        asyncio.run(publish(edge_url, options.messages))

        step("the uplink is back (hub restarted on its store)")
        hub = Server("hub-again", hub_command, directory)
        servers.append(hub)
        hub.wait_for("Server is ready")
        edge.wait_for("Leafnode connection created", count=2)

        payloads = asyncio.run(hub_stream(hub_url, options.messages, timeout=60))
        in_order = payloads == list(range(1, options.messages + 1))
        step(f"hub stream TEL holds {len(payloads)} of {options.messages} messages; "
             f"in order, once each: {'yes' if in_order else 'NO'}")
        if not in_order:
            missing = sorted(set(range(1, options.messages + 1)) - set(payloads))
            step(f"first missing: {missing[:10]}; duplicates: {len(payloads) - len(set(payloads))}")
            sys.exit(1)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
